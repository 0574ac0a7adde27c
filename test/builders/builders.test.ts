import { describe, expect, it, vi } from 'vitest'
import { defineBuilder } from '../../src/builders/define-builder.js'
import { BuildError, ValidationError } from '../../src/core/errors/index.js'
import type { Driver } from '../../src/drivers/driver.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { replaceCollections } from '../../src/scripts/replace-collections.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'
import { keys, VideoDb, videoBuilders } from './fixtures/video-platform.js'

type Builders = ReturnType<typeof videoBuilders>

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('cache builders on $name', (target) => {
  // Instances of one app: on memory they share one store, as they share the server on Redis.
  const kits = useKit(target, { keys, sharedStore: true })
  const make = (
    db: VideoDb,
    { chunkSize, builders, ...options }: { prefix?: string; chunkSize?: number; builders?: Builders; enabled?: boolean } = {},
  ) => kits({ ...options, builders: builders ?? videoBuilders(db, { chunkSize }) })

  it('buildAll writes one sorted-set index per category, read by page, count, score and rank', async () => {
    const db = VideoDb.seeded(300, 12)
    const kit = make(db)
    const report = await kit.builders.videosByCategory.buildAll()
    expect(report).toMatchObject({ builder: 'videosByCategory', scope: 'all', keys: 12, pruned: 0 })
    expect(report.items).toBe([...db.videos.values()].filter((v) => v.published).reduce((n, v) => n + v.categoryIds.length, 0))
    const index = kit.builders.videosByCategory
    for (const categoryId of ['cat-0', 'cat-5', 'cat-11']) {
      const expected = db.expectedIndex(categoryId)
      expect(await index.count({ categoryId })).toBe(expected.length)
      expect(await index.page({ categoryId }, { limit: 5 })).toEqual(expected.slice(0, 5))
      expect(await index.page({ categoryId }, { offset: 5, limit: 5, order: 'desc' })).toEqual([...expected].reverse().slice(5, 10))
      const newest = expected.at(-1) as string
      expect(await index.score({ categoryId }, newest)).toBe(db.videos.get(newest)?.addedAt)
      expect(await index.rank({ categoryId }, newest, { order: 'desc' })).toBe(0)
      expect(await index.has({ categoryId }, 'nope')).toBe(false)
      const since = db.videos.get(expected.at(-3) as string)?.addedAt as number
      expect((await index.byScore({ categoryId }, { min: since, order: 'desc' })).map((m) => m.member)).toEqual(
        expected.slice(-3).reverse(),
      )
    }
    const pttl = await kit.driver.pttl(index.keyOf({ categoryId: 'cat-0' }))
    expect(pttl).toBeGreaterThan(4 * 3_600_000 - 60_000)
    expect(await index.status()).toMatchObject({ keys: 12, items: report.items })
  })

  it('buildAll prunes the indexes of categories that lost every video', async () => {
    const db = VideoDb.seeded(100, 5)
    const kit = make(db)
    await kit.builders.videosByCategory.buildAll()
    for (const video of db.videos.values()) video.categoryIds = video.categoryIds.filter((id) => id !== 'cat-3')
    const report = await kit.builders.videosByCategory.buildAll()
    expect(report.pruned).toBe(1)
    expect(await kit.driver.exists([kit.builders.videosByCategory.keyOf({ categoryId: 'cat-3' })])).toBe(0)
    expect(await kit.builders.videosByCategory.count({ categoryId: 'cat-2' })).toBe(db.expectedIndex('cat-2').length)
  })

  it('buildOne rebuilds one index from a narrow query, and deletes it when it is empty', async () => {
    const db = VideoDb.seeded(100, 5)
    const kit = make(db)
    await kit.builders.videosByCategory.buildAll()
    const video = [...db.videos.values()].find((v) => v.published && v.categoryIds.includes('cat-1')) as NonNullable<
      ReturnType<VideoDb['video']>
    >
    video.categoryIds = video.categoryIds.filter((id) => id !== 'cat-1')
    const report = await kit.builders.videosByCategory.buildOne({ categoryId: 'cat-1' })
    expect(report).toMatchObject({ scope: 'one', keys: 1, items: db.expectedIndex('cat-1').length })
    expect(await kit.builders.videosByCategory.has({ categoryId: 'cat-1' }, video.id)).toBe(false)
    expect(await kit.builders.videosByCategory.page({ categoryId: 'cat-1' }, { limit: 1000 })).toEqual(db.expectedIndex('cat-1'))
    for (const v of db.videos.values()) v.categoryIds = v.categoryIds.filter((id) => id !== 'cat-1')
    await kit.builders.videosByCategory.buildOne({ categoryId: 'cat-1' })
    expect(await kit.builders.videosByCategory.count({ categoryId: 'cat-1' })).toBe(0)
    expect(await kit.driver.exists([kit.builders.videosByCategory.keyOf({ categoryId: 'cat-1' })])).toBe(0)
  })

  it('builds set lookups and cache entries', async () => {
    const db = VideoDb.seeded(50, 4)
    const kit = make(db)
    await kit.builders.categoriesOfVideo.buildAll()
    await kit.builders.categories.buildAll()
    const video = db.videos.get('v7') as NonNullable<ReturnType<VideoDb['video']>>
    expect((await kit.builders.categoriesOfVideo.members({ videoId: 'v7' })).sort()).toEqual([...video.categoryIds].sort())
    expect(await kit.builders.categoriesOfVideo.has({ videoId: 'v7' }, video.categoryIds[0] as string)).toBe(true)
    expect(await kit.builders.categoriesOfVideo.count({ videoId: 'v7' })).toBe(video.categoryIds.length)
    expect(await kit.cache.get(keys.category({ id: 'cat-2' }))).toEqual({ id: 'cat-2', name: 'Category 2' })
    expect(await kit.builders.categories.get({ id: 'cat-3' })).toEqual({ id: 'cat-3', name: 'Category 3' })
    db.categories.delete('cat-3')
    await kit.builders.categories.buildOne({ id: 'cat-3' })
    expect(await kit.builders.categories.get({ id: 'cat-3' })).toBeUndefined()
  })

  it('writes an index larger than chunkSize through a temporary key and leaves none behind', async () => {
    const db = VideoDb.seeded(400, 2)
    const kit = make(db, { chunkSize: 25 })
    await kit.builders.videosByCategory.buildAll()
    for (const categoryId of ['cat-0', 'cat-1']) {
      expect(await kit.builders.videosByCategory.page({ categoryId }, { limit: 10_000 })).toEqual(db.expectedIndex(categoryId))
    }
    const leftovers: string[] = []
    for await (const batch of kit.driver.scan('*build:*')) leftovers.push(...batch.filter((key) => key.includes(kit.namespace.prefix)))
    expect(leftovers).toEqual([])
  })

  it('a reader running during a rebuild never sees a partial index', async () => {
    const db = new VideoDb()
    const generation = (name: string, size: number) => {
      db.videos.clear()
      for (let i = 0; i < size; i++)
        db.videos.set(`${name}-${i}`, {
          id: `${name}-${i}`,
          title: '',
          categoryIds: ['big', `small-${i % 20}`],
          addedAt: i,
          published: true,
        })
    }
    generation('old', 400)
    const kit = make(db, { chunkSize: 25 })
    const index = kit.builders.videosByCategory
    await index.buildAll()
    generation('new', 600)
    let done = false
    const seen: { big: number; small: number; mixed: number; reads: number } = { big: 0, small: 0, mixed: 0, reads: 0 }
    const reader = (async () => {
      while (!done) {
        const [big, small] = await Promise.all([
          index.page({ categoryId: 'big' }, { limit: 10_000 }),
          index.page({ categoryId: 'small-3' }, { limit: 10_000 }),
        ])
        seen.reads++
        for (const [members, sizes] of [
          [big, [400, 600]],
          [small, [20, 30]],
        ] as const) {
          expect(sizes).toContain(members.length)
          const generations = new Set(members.map((member) => member.split('-')[0]))
          expect(generations.size).toBe(1)
        }
      }
    })()
    await index.buildAll()
    done = true
    await reader
    expect(seen.reads).toBeGreaterThan(0)
    expect(await index.count({ categoryId: 'big' })).toBe(600)
  })

  it('reports progress and stops when its signal aborts', async () => {
    const db = VideoDb.seeded(200, 10)
    const kit = make(db)
    const phases = new Set<string>()
    await kit.builders.videosByCategory.buildAll({ onProgress: ({ phase }) => phases.add(phase) })
    expect([...phases]).toEqual(['load', 'write', 'prune'].filter((phase) => phases.has(phase)))
    expect(phases.has('write')).toBe(true)
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(kit.builders.videosByCategory.buildAll({ signal: controller.signal })).rejects.toThrow('stop')
  })

  it('guards warm-up builds with a lock: of two instances starting together, one builds', async () => {
    const db = VideoDb.seeded(60, 4)
    const prefix = uniquePrefix()
    const load = vi.fn()
    const builders = { ...videoBuilders(db), videosByCategory: warmBuilder(db, load) }
    const [a, b] = [make(db, { prefix, builders }), make(db, { prefix, builders })]
    await Promise.all([a.ready(), b.ready()])
    expect(load).toHaveBeenCalledTimes(1)
    expect(await a.builders.videosByCategory.count({ categoryId: 'cat-1' })).toBe(db.expectedIndex('cat-1').length)
    const third = make(db, { prefix, builders })
    await third.ready()
    expect(load).toHaveBeenCalledTimes(1)
  })

  it('rebuilds on its schedule', async () => {
    const db = VideoDb.seeded(30, 3)
    const load = vi.fn()
    const builders = { ...videoBuilders(db), videosByCategory: scheduledBuilder(db, load, 150) }
    const kit = make(db, { builders })
    const builds = vi.fn()
    kit.events.on('build', builds)
    await vi.waitFor(() => expect(load.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 10_000, interval: 20 })
    expect(builds).toHaveBeenCalledWith(expect.objectContaining({ builder: 'videosByCategory', scope: 'all' }))
  })

  it('does nothing with the kill switch on', async () => {
    const db = VideoDb.seeded(10, 2)
    const kit = make(db, { enabled: false })
    expect(await kit.builders.videosByCategory.buildAll()).toMatchObject({ skipped: 'disabled', keys: 0 })
    expect(await kit.builders.videosByCategory.count({ categoryId: 'cat-0' })).toBe(0)
  })

  it('rebuilds the plan at a tenth of its scale: 5,800 videos over 30 categories', async () => {
    const db = VideoDb.seeded(5_800, 30)
    const kit = make(db)
    const [index, lookup] = await Promise.all([kit.builders.videosByCategory.buildAll(), kit.builders.categoriesOfVideo.buildAll()])
    expect(index.keys).toBe(30)
    expect(lookup.keys).toBe(5_800)
    for (const categoryId of ['cat-0', 'cat-17', 'cat-29'])
      expect(await kit.builders.videosByCategory.count({ categoryId })).toBe(db.expectedIndex(categoryId).length)
    for (const videoId of ['v0', 'v2899', 'v5799']) {
      expect((await kit.builders.categoriesOfVideo.members({ videoId })).sort()).toEqual(
        [...(db.videos.get(videoId)?.categoryIds ?? [])].sort(),
      )
    }
  })
})

describe('cache builders and failures', () => {
  const make = useKit('memory', { keys })

  it('keeps the previous index when a chunk of the new one is lost, and says so', async () => {
    const db = VideoDb.seeded(200, 1)
    const driver = memoryDriver()
    let addCalls = 0
    let losing = false
    // Fault injection (no real part can lose one write of a pipeline on demand): the
    // third chunk written to the temporary key "succeeds" without writing anything.
    const lossy: Driver = Object.create(driver, {
      eval: {
        value: (script: typeof replaceCollections, keyList: string[], args: string[]) =>
          losing && script === replaceCollections && args[2] === 'add' && ++addCalls === 3
            ? Promise.resolve(0)
            : driver.eval(script, keyList, args),
      },
    })
    const kit = make({ driver: lossy, breaker: false, builders: videoBuilders(db, { chunkSize: 20 }) })
    await kit.builders.videosByCategory.buildAll()
    const before = await kit.builders.videosByCategory.page({ categoryId: 'cat-0' }, { limit: 10_000 })
    for (const video of db.videos.values()) video.addedAt += 1
    losing = true
    await expect(kit.builders.videosByCategory.buildAll()).rejects.toBeInstanceOf(BuildError)
    expect(await kit.builders.videosByCategory.page({ categoryId: 'cat-0' }, { limit: 10_000 })).toEqual(before)
    expect(await kit.builders.videosByCategory.score({ categoryId: 'cat-0' }, before[0] as string)).toBe(
      (db.videos.get(before[0] as string)?.addedAt as number) - 1,
    )
  })

  it('reports a failed scheduled build as an event, never an unhandled rejection', async () => {
    const failing = defineBuilder({
      key: keys.categoryVideos,
      kind: 'sorted-set',
      warm: true,
      load: () => {
        throw new Error('database down')
      },
    })
    const errors = vi.fn()
    const kit = make({ builders: { failing } })
    kit.events.on('build-error', errors)
    await kit.ready()
    expect(errors).toHaveBeenCalledWith(
      expect.objectContaining({ builder: 'failing', reason: 'warm', error: expect.objectContaining({ message: 'database down' }) }),
    )
  })

  it('refuses bad definitions', () => {
    expect(() => defineBuilder({ key: keys.categoryVideos({ categoryId: 'x' }) as never, load: () => [] })).toThrow(ValidationError)
    expect(() => defineBuilder({ key: keys.categoryVideos, kind: 'list' as never, load: () => [] })).toThrow(/kind/)
    expect(() => defineBuilder({ key: keys.categoryVideos, load: () => [], chunkSize: 5000 })).toThrow(/chunkSize/)
    expect(() => defineBuilder({ key: keys.categoryVideos, load: () => [], every: 0 })).toThrow(/every/)
    expect(() => defineBuilder({ key: keys.categoryVideos, load: () => [], evry: '2h' } as never)).toThrow(/unknown option/)
  })

  it('refuses items that are not what the kind needs', async () => {
    const bad = defineBuilder({
      key: keys.categoryVideos,
      kind: 'sorted-set',
      load: () => [{ params: { categoryId: 'a' }, member: 'm', score: Number.NaN }],
    })
    const kit = make({ builders: { bad } })
    await expect(kit.builders.bad.buildAll()).rejects.toThrow(/finite/)
  })
})

function warmBuilder(db: VideoDb, onLoad: () => void) {
  const base = videoBuilders(db).videosByCategory
  return defineBuilder({
    key: keys.categoryVideos,
    kind: 'sorted-set',
    warm: true,
    load: (context) => {
      onLoad()
      return base.load(context)
    },
  })
}

function scheduledBuilder(db: VideoDb, onLoad: () => void, everyMs: number) {
  const base = videoBuilders(db).videosByCategory
  return defineBuilder({
    key: keys.categoryVideos,
    kind: 'sorted-set',
    every: everyMs,
    load: (context) => {
      onLoad()
      return base.load(context)
    },
  })
}
