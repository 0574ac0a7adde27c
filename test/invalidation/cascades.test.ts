import { describe, expect, it, vi } from 'vitest'
import { DriverError, InvalidationError, ValidationError } from '../../src/core/errors/index.js'
import type { Driver } from '../../src/drivers/driver.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { targets, type Target } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'
import { keys, VideoDb, videoBuilders } from '../builders/fixtures/video-platform.js'

interface VideoChanged {
  videoId: string
  oldCategoryIds: string[]
  newCategoryIds: string[]
}

/** The plan's invalidateVideoChanges, declared once: the options of its kit. */
function platform(db: VideoDb) {
  const builders = videoBuilders(db)
  return {
    builders,
    cascades: {
      'video.changed': ({ videoId, oldCategoryIds, newCategoryIds }: VideoChanged) => ({
        keys: [keys.videoDetail({ id: videoId })],
        tags: [`video:${videoId}`],
        patterns: [keys.videoList.pattern()],
        rebuild: [
          builders.categoriesOfVideo.for({ videoId }),
          ...[...new Set([...oldCategoryIds, ...newCategoryIds])].map((categoryId) => builders.videosByCategory.for({ categoryId })),
        ],
      }),
      'category.renamed': ({ categoryId }: { categoryId: string }) => ({ keys: [keys.category({ id: categoryId })] }),
    },
  }
}

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('cascades on $name', (target: Target) => {
  const kits = useKit(target, { keys })
  const make = (db: VideoDb) => kits(platform(db))

  it("runs the plan's invalidateVideoChanges: detail, lookups, old and new category indexes, list pages", async () => {
    const db = VideoDb.seeded(60, 6)
    const kit = make(db)
    await Promise.all([kit.builders.videosByCategory.buildAll(), kit.builders.categoriesOfVideo.buildAll()])
    const video = [...db.videos.values()].find((v) => v.published && !v.categoryIds.includes('cat-5')) as NonNullable<
      ReturnType<VideoDb['video']>
    >
    await kit.cache.set(keys.videoDetail({ id: video.id }), video)
    for (let page = 1; page <= 3; page++) await kit.cache.set(keys.videoList({ page, sort: 'new' }), [video.id])
    const oldCategoryIds = video.categoryIds
    video.categoryIds = ['cat-5']
    const report = await kit.invalidate('video.changed', { videoId: video.id, oldCategoryIds, newCategoryIds: ['cat-5'] })
    expect(report.cascade).toBe('video.changed')
    expect(report.keys).toEqual({ names: [kit.cache.keyOf(keys.videoDetail({ id: video.id }))], deleted: 1, queued: false })
    expect(report.tags?.tags).toEqual([`video:${video.id}`])
    expect(report.patterns).toEqual([expect.objectContaining({ deleted: 3 })])
    expect(report.rebuilt).toHaveLength(1 + new Set([...oldCategoryIds, 'cat-5']).size)
    expect(await kit.cache.get(keys.videoDetail({ id: video.id }))).toBeUndefined()
    expect(await kit.cache.get(keys.videoList({ page: 2, sort: 'new' }))).toBeUndefined()
    expect(await kit.builders.categoriesOfVideo.members({ videoId: video.id })).toEqual(['cat-5'])
    expect(await kit.builders.videosByCategory.has({ categoryId: 'cat-5' }, video.id)).toBe(true)
    for (const categoryId of oldCategoryIds) {
      expect(await kit.builders.videosByCategory.has({ categoryId }, video.id)).toBe(false)
      expect(await kit.builders.videosByCategory.count({ categoryId })).toBe(db.expectedIndex(categoryId).length)
    }
  })

  it('emits what it touched', async () => {
    const kit = make(VideoDb.seeded(5, 2))
    const seen = vi.fn()
    kit.events.on('invalidate', seen)
    await kit.invalidate('category.renamed', { categoryId: 'cat-1' })
    expect(seen).toHaveBeenCalledWith(expect.objectContaining({ kind: 'cascade', cascade: 'category.renamed' }))
  })
})

describe('cascade input and failures', () => {
  const make = useKit('memory', { keys })

  it('refuses unknown cascades and bad targets before touching anything', async () => {
    const db = VideoDb.seeded(5, 2)
    const kit = make({
      cascades: {
        broken: () => 'not targets' as never,
        badPattern: () => ({ keys: [keys.videoDetail({ id: 'v1' })], patterns: ['__tag:*'] }),
      },
    })
    await kit.cache.set(keys.videoDetail({ id: 'v1' }), db.videos.get('v1') as never)
    await expect(kit.invalidate('nope' as never, {} as never)).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.invalidate('broken', undefined as never)).rejects.toThrow(/must return/)
    await expect(kit.invalidate('badPattern', undefined as never)).rejects.toThrow(/reserved/)
    expect(await kit.cache.get(keys.videoDetail({ id: 'v1' }))).toBeDefined()
  })

  it('does every part it can and rejects with InvalidationError carrying the partial report', async () => {
    const driver = memoryDriver()
    // Fault injection: SCAN fails as a lost connection would; DEL and scripts still work.
    const noScan: Driver = Object.create(driver, {
      scan: {
        value: () => ({
          [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new DriverError('connection lost', { driver: 'memory' })) }),
        }),
      },
    })
    const kit = make({ ...platform(VideoDb.seeded(5, 2)), driver: noScan })
    await kit.cache.set(keys.videoDetail({ id: 'v1' }), { id: 'v1', title: '', categoryIds: [], addedAt: 0, published: true })
    const failure = await kit
      .invalidate('video.changed', { videoId: 'v1', oldCategoryIds: [], newCategoryIds: [] })
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(InvalidationError)
    const error = failure as InvalidationError
    expect(error.errors).toHaveLength(1)
    expect(error.cause).toBeInstanceOf(DriverError)
    expect(error.report).toMatchObject({ keys: { deleted: 1 }, patterns: [], tags: { tags: ['video:v1'] } })
    expect(await kit.cache.get(keys.videoDetail({ id: 'v1' }))).toBeUndefined()
  })
})
