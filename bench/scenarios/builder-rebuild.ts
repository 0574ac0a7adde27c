/**
 * Scenario 6b: the video platform plan's index rebuild at its scale: 58,000 videos over
 * 300 categories (1 to 3 each). The plan's way (sequential awaited commands: per category
 * DEL + ZADD + EXPIRE, per video DEL + SADD + EXPIRE) against cachekit's builders (a
 * 'sorted-set' builder for videos per category and a 'set' builder for categories per video).
 */
import * as cachekit from 'cachekit'
import { createCachekit, defineKeys } from 'cachekit'
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import { Redis } from 'ioredis'
import { random } from '../harness/data.js'
import { collectGarbage } from '../harness/measure.js'
import type { BenchContext } from '../harness/scenario.js'
import { median } from '../harness/stats.js'
import type { GroupResult, RowResult } from '../harness/types.js'
import { versionOf } from '../harness/versions.js'

export const VIDEOS = 58_000
export const CATEGORIES = 300

interface Video {
  id: string
  categoryIds: string[]
  addedAt: number
}

/** What the bench needs of cachekit's builders, looked up at run time. */
type DefineBuilder = (options: Record<string, unknown>) => unknown
type BoundBuilder = { buildAll(): Promise<{ keys: number; items: number }> }

/** Whether cachekit exports cache builders yet (issue 4). */
export function buildersAvailable(): boolean {
  return typeof (cachekit as Record<string, unknown>).defineBuilder === 'function'
}

/** The plan's "database": generated once, outside the timed region. */
function videos(): Video[] {
  const next = random(11)
  const base = Date.UTC(2025, 0, 1)
  return Array.from({ length: VIDEOS }, (_, n) => {
    const count = 1 + Math.floor(next() * 3)
    const categoryIds = [...new Set(Array.from({ length: count }, () => `c${Math.floor(next() * CATEGORIES)}`))]
    return { id: `v${n}`, categoryIds, addedAt: base + Math.floor(next() * 3e10) }
  })
}

export async function measureRebuild(context: BenchContext): Promise<GroupResult> {
  const data = videos()
  const rounds = context.options.quick ? 1 : 2
  const planClient = new Redis(context.redis.url)
  const planPrefix = context.prefix('plan')
  const keys = defineKeys({
    categoryVideos: { template: 'video:category:index:{categoryId}:videos', ttl: '2h', hashTag: 'categoryId' },
    videoCategories: { template: 'video:categories:{videoId}', ttl: '24h' },
  } as never) as unknown as Record<'categoryVideos' | 'videoCategories', unknown>
  const defineBuilder = (cachekit as unknown as { defineBuilder: DefineBuilder }).defineBuilder
  const builders = {
    videosByCategory: defineBuilder({
      key: keys.categoryVideos,
      kind: 'sorted-set',
      load: () =>
        data.flatMap((video) =>
          video.categoryIds.map((categoryId) => ({ params: { categoryId }, member: video.id, score: video.addedAt })),
        ),
    }),
    categoriesByVideo: defineBuilder({
      key: keys.videoCategories,
      kind: 'set',
      load: () => data.flatMap((video) => video.categoryIds.map((categoryId) => ({ params: { videoId: video.id }, member: categoryId }))),
    }),
  }
  const kit = createCachekit({
    driver: ioredisDriver({ url: context.redis.url }),
    prefix: context.prefix('ck'),
    keys,
    builders,
  } as never) as unknown as {
    builders: Record<'videosByCategory' | 'categoriesByVideo', BoundBuilder>
    close(): Promise<void>
  }
  const contenders = [
    {
      id: 'plan',
      label: "the plan's builders (sequential awaited DEL + ZADD/SADD + EXPIRE)",
      library: 'ioredis',
      kind: 'baseline' as const,
      run: () => planRebuild(planClient, planPrefix, data),
    },
    {
      id: 'cachekit',
      label: "cachekit defineBuilder ('sorted-set' + 'set'), buildAll",
      library: 'cachekit',
      kind: 'cachekit' as const,
      run: async () => {
        await kit.builders.videosByCategory.buildAll()
        await kit.builders.categoriesByVideo.buildAll()
      },
    },
  ]
  try {
    const times = contenders.map(() => [] as number[])
    for (let round = 0; round < rounds; round++) {
      for (let step = 0; step < contenders.length; step++) {
        const index = (round + step) % contenders.length
        collectGarbage()
        const started = performance.now()
        await contenders[index]!.run()
        times[index]!.push(performance.now() - started)
      }
      context.log(
        `    rebuild round ${round + 1}/${rounds}: ${contenders.map((c, i) => `${c.id} ${(times[i]!.at(-1)! / 1000).toFixed(2)} s`).join(', ')}`,
      )
    }
    const rows: RowResult[] = contenders.map((contender, index) => ({
      id: contender.id,
      label: contender.label,
      library: contender.library,
      version: versionOf(contender.library),
      kind: contender.kind,
      metrics: {
        medianMs: Math.round(median(times[index]!)),
        speedup: Math.round((median(times[0]!) / median(times[index]!)) * 100) / 100,
      },
    }))
    return {
      id: 'rebuild-58k',
      title: `Rebuild the category index and lookups of ${VIDEOS.toLocaleString('en')} videos`,
      description: `${VIDEOS.toLocaleString('en')} videos in ${CATEGORIES} categories (1 to 3 each): one sorted set per category (videos by date) and one set per video (its categories). Median of ${rounds} rounds, interleaved; the source is in memory, so this is the Redis side alone.`,
      baseline: 'plan',
      columns: [
        { metric: 'medianMs', label: 'time (median)', format: 'ms' },
        { metric: 'speedup', label: "speed-up over the plan's way", format: 'ratio' },
      ],
      chart: { metric: 'medianMs', label: 'ms for the rebuild (lower is better)', format: 'ms', higherIsBetter: false },
      rows,
    }
  } finally {
    await kit.close()
    await planClient.quit()
  }
}

/** The plan's VideoCategoryIndexBuilder.buildAll and VideoCategoriesLookupBuilder.buildAll, as written there. */
async function planRebuild(redis: Redis, prefix: string, data: readonly Video[]): Promise<void> {
  const categoryIndex = new Map<string, Array<{ videoId: string; score: number }>>()
  for (const video of data) {
    for (const categoryId of video.categoryIds) {
      if (!categoryIndex.has(categoryId)) categoryIndex.set(categoryId, [])
      categoryIndex.get(categoryId)!.push({ videoId: video.id, score: video.addedAt })
    }
  }
  for (const [categoryId, videoList] of categoryIndex.entries()) {
    const key = `${prefix}:video:category:index:${categoryId}:videos`
    await redis.del(key)
    const pairs: Array<number | string> = []
    for (const item of videoList) pairs.push(item.score, item.videoId)
    if (pairs.length > 0) {
      await redis.zadd(key, ...pairs)
      await redis.expire(key, 7200)
    }
  }
  for (const video of data) {
    if (video.categoryIds.length > 0) {
      const key = `${prefix}:video:categories:${video.id}`
      await redis.del(key)
      await redis.sadd(key, ...video.categoryIds)
      await redis.expire(key, 86400)
    }
  }
}
