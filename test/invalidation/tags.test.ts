import { afterEach, describe, expect, it, vi } from 'vitest'
import { DriverError, ValidationError } from '../../src/core/errors/index.js'
import { TagStamps } from '../../src/invalidation/tag-stamps.js'
import { createNamespace } from '../../src/keys/namespace.js'
import { defineKeys, typed } from '../../src/keys/index.js'
import type { Driver } from '../../src/drivers/driver.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { createCachekit, type Cachekit, type CachekitOptions } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

interface Video {
  id: number
  title: string
  categoryIds: string[]
}

const keys = defineKeys({
  video: { template: 'video:{id}', ttl: '1h', value: typed<Video>(), tags: ({ id }) => [`video:${id}`] },
  news: { template: 'news:{id}', ttl: '1m', grace: '10m', tags: ['news'] },
  plain: { template: 'plain:{id}', ttl: '1m' },
})

type Kit = Cachekit<typeof keys>

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('tag invalidation on $name', (target) => {
  // Kits on one namespace and one server: memory kits share one driver (each memory driver is its own server).
  const kits = useKit(target, { keys, sharedStore: true })
  const make = (prefix: string, options: Partial<CachekitOptions<typeof keys>> = {}): Kit => kits({ ...options, prefix })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('makes every entry with the tag a miss on its next read, and leaves the others', async () => {
    const kit = make(uniquePrefix())
    await kit.cache.set(keys.video({ id: 1 }), { id: 1, title: 'one', categoryIds: [] })
    await kit.cache.set(keys.video({ id: 2 }), { id: 2, title: 'two', categoryIds: [] })
    const report = await kit.cache.invalidateTags(['video:1'])
    expect(report).toMatchObject({ tags: ['video:1'], mode: 'delete' })
    expect(report.invalidatedAt).toBeGreaterThan(0)
    expect(await kit.cache.get(keys.video({ id: 1 }))).toBeUndefined()
    expect(await kit.cache.get(keys.video({ id: 2 }))).toMatchObject({ title: 'two' })
    const loader = vi.fn(async () => ({ id: 1, title: 'one, edited', categoryIds: [] }))
    expect(await kit.cache.getOrSet(keys.video({ id: 1 }), loader)).toMatchObject({ title: 'one, edited' })
    expect(await kit.cache.getOrSet(keys.video({ id: 1 }), loader)).toMatchObject({ title: 'one, edited' })
    expect(loader).toHaveBeenCalledTimes(1)
  })

  it('reaches tags given per call and tags computed from the value', async () => {
    const kit = make(uniquePrefix())
    await kit.cache.set('feed:home', ['a'], { ttl: '1m', tags: ['feeds'] })
    await kit.cache.set(
      keys.video({ id: 3 }),
      { id: 3, title: 't', categoryIds: ['cat-a', 'cat-b'] },
      { tags: (video) => video.categoryIds.map((id) => `category:${id}`) },
    )
    await kit.cache.set(
      keys.video({ id: 4 }),
      { id: 4, title: 't', categoryIds: ['cat-c'] },
      { tags: (video) => video.categoryIds.map((id) => `category:${id}`) },
    )
    await kit.cache.invalidateTags(['feeds', 'category:cat-b'])
    expect(await kit.cache.get('feed:home')).toBeUndefined()
    expect(await kit.cache.get(keys.video({ id: 3 }))).toBeUndefined()
    expect(await kit.cache.get(keys.video({ id: 4 }))).toMatchObject({ id: 4 })
  })

  it("reaches every instance's L1 copy", async () => {
    const prefix = uniquePrefix()
    const [a, b] = [make(prefix, { l1: true }), make(prefix, { l1: true })]
    await Promise.all([a.ready(), b.ready()])
    await a.cache.set(keys.video({ id: 5 }), { id: 5, title: 'v1', categoryIds: [] })
    // b keeps an L1 copy, and learns the tag's (empty) stamp. (A read that overlaps the
    // bus announcement of a's write keeps no copy: it may have been answered before the write.)
    const tiers: string[] = []
    b.events.on('hit', ({ tier }) => tiers.push(tier))
    await vi.waitFor(async () => {
      expect(await b.cache.getOrSet(keys.video({ id: 5 }), async () => ({ id: 5, title: 'unused', categoryIds: [] }))).toMatchObject({
        title: 'v1',
      })
      expect(tiers).toContain('l1')
    })
    await a.cache.invalidateTags(['video:5'])
    await vi.waitFor(async () => expect(await b.cache.get(keys.video({ id: 5 }))).toBeUndefined(), { timeout: 5000 })
    expect(await b.cache.getOrSet(keys.video({ id: 5 }), async () => ({ id: 5, title: 'v2', categoryIds: [] }))).toMatchObject({
      title: 'v2',
    })
    expect(await a.cache.get(keys.video({ id: 5 }))).toMatchObject({ title: 'v2' })
  })

  it('never serves an invalidated entry as stale, even within its grace (BentoCache#71)', async () => {
    const kit = make(uniquePrefix())
    await kit.cache.getOrSet(keys.news({ id: 1 }), async () => 'before')
    await kit.cache.invalidateTags(['news'])
    const refresh = vi.fn(async () => 'after')
    expect(await kit.cache.getOrSet(keys.news({ id: 1 }), refresh)).toBe('after')
    expect(refresh).toHaveBeenCalledTimes(1)
    await kit.cache.invalidateTags(['news'])
    expect(await kit.cache.get(keys.news({ id: 1 }), { allowStale: true })).toBeUndefined()
  })

  it('never serves an entry invalidated while stale within its grace', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z')
    vi.useFakeTimers({ toFake: ['Date'], now })
    const kit = make(uniquePrefix())
    await kit.cache.getOrSet(keys.news({ id: 2 }), async () => 'before')
    now += 90_000
    vi.setSystemTime(now)
    await kit.cache.invalidateTags(['news'])
    now += 1
    vi.setSystemTime(now)
    expect(await kit.cache.getOrSet(keys.news({ id: 2 }), async () => 'after')).toBe('after')
  })

  it("mode 'expire' is the opt-in: entries become stale and are served within their grace while one refresh runs", async () => {
    const kit = make(uniquePrefix())
    await kit.cache.set(keys.news({ id: 3 }), 'before')
    await kit.cache.set(keys.plain({ id: 3 }), 'no grace', { tags: ['news'] })
    await kit.cache.invalidateTags(['news'], { mode: 'expire' })
    expect(await kit.cache.get(keys.news({ id: 3 }))).toBeUndefined()
    expect(await kit.cache.get(keys.news({ id: 3 }), { allowStale: true })).toBe('before')
    expect(await kit.cache.get(keys.plain({ id: 3 }), { allowStale: true })).toBeUndefined()
    const refresh = vi.fn(async () => 'after')
    expect(await kit.cache.getOrSet(keys.news({ id: 3 }), refresh)).toBe('before')
    await vi.waitFor(async () => expect(await kit.cache.get(keys.news({ id: 3 }))).toBe('after'))
    expect(refresh).toHaveBeenCalledTimes(1)
  })

  it('reaches the result of a loader that was running when the invalidation landed', async () => {
    const kit = make(uniquePrefix())
    let release!: (video: Video) => void
    const pending = kit.cache.getOrSet(keys.video({ id: 6 }), () => new Promise<Video>((resolve) => (release = resolve)))
    await vi.waitFor(() => expect(release).toBeDefined())
    await kit.cache.invalidateTags(['video:6'])
    release({ id: 6, title: 'read before the edit', categoryIds: [] })
    expect(await pending).toMatchObject({ title: 'read before the edit' })
    expect(await kit.cache.get(keys.video({ id: 6 }))).toBeUndefined()
  })

  it('serves the first read after its own write from L1, without fetching tag stamps', async () => {
    const kit = make(uniquePrefix(), { l1: true })
    await kit.ready()
    await kit.cache.set(keys.video({ id: 10 }), { id: 10, title: 'v1', categoryIds: [] }, { tags: ['fresh-tag'] })
    const tiers: string[] = []
    kit.events.on('hit', ({ tier }) => tiers.push(tier))
    expect(await kit.cache.get(keys.video({ id: 10 }))).toMatchObject({ title: 'v1' })
    expect(tiers).toEqual(['l1'])
  })

  it('reaches an entry whose loader was running when another instance invalidated its tag', async () => {
    const prefix = uniquePrefix()
    const [a, b] = [make(prefix, { l1: true }), make(prefix)]
    await Promise.all([a.ready(), b.ready()])
    // A probe entry in a's L1 shows when b's announcement has reached a.
    await a.cache.set('probe:1', 'probe', { ttl: '1m', tags: ['racy-probe'] })
    let release!: (video: Video) => void
    const pending = a.cache.getOrSet(keys.video({ id: 11 }), () => new Promise<Video>((resolve) => (release = resolve)), { tags: ['racy'] })
    await vi.waitFor(() => expect(release).toBeDefined())
    await b.cache.invalidateTags(['racy', 'racy-probe'])
    await vi.waitFor(async () => expect(await a.cache.get('probe:1')).toBeUndefined(), { timeout: 5000 })
    release({ id: 11, title: 'read before the edit', categoryIds: [] })
    expect(await pending).toMatchObject({ title: 'read before the edit' })
    expect(await a.cache.get(keys.video({ id: 11 }))).toBeUndefined()
  })

  it('after an invalidation, one instance reloads while the others wait for its value', async () => {
    const prefix = uniquePrefix()
    const [a, b] = [make(prefix), make(prefix)]
    await Promise.all([a.ready(), b.ready()])
    await a.cache.set(keys.video({ id: 7 }), { id: 7, title: 'v1', categoryIds: [] })
    await a.cache.invalidateTags(['video:7'])
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const loader = vi.fn(async () => {
      await gate
      return { id: 7, title: 'v2', categoryIds: [] }
    })
    const reads = [a, b, a, b].map((kit) => kit.cache.getOrSet(keys.video({ id: 7 }), loader))
    await vi.waitFor(() => expect(loader).toHaveBeenCalled())
    release()
    expect((await Promise.all(reads)).map((video) => video.title)).toEqual(['v2', 'v2', 'v2', 'v2'])
    expect(loader).toHaveBeenCalledTimes(1)
  })

  it('stores one stamp per tag that expires after the longest ttl + grace of the key table', async () => {
    const kit = make(uniquePrefix())
    await kit.cache.invalidateTags(['video:8', 'news'])
    const pttls = await Promise.all(
      ['video:8', 'news'].map((tag) => kit.driver.pttl(`${kit.namespace.prefix}__tag:${tag.replace(':', '%3A')}`)),
    )
    for (const pttl of pttls) {
      expect(pttl).toBeGreaterThan(60 * 60_000 - 60_000)
      expect(pttl).toBeLessThanOrEqual(60 * 60_000)
    }
  })

  it('refuses a tagged entry that would outlive the tag stamps', async () => {
    const kit = make(uniquePrefix())
    await expect(kit.cache.set(keys.video({ id: 9 }), { id: 9, title: 't', categoryIds: [] }, { ttl: '2h' })).rejects.toThrow(
      /tags\.maxAge/,
    )
    await expect(kit.cache.set('loose:1', 1, { ttl: '1d', tags: ['x'] })).rejects.toBeInstanceOf(ValidationError)
    expect(await kit.cache.set('loose:1', 1, { ttl: '1d' })).toBe(true)
    const roomy = make(uniquePrefix(), { tags: { maxAge: '2d' } })
    expect(await roomy.cache.set('loose:1', 1, { ttl: '1d', tags: ['x'] })).toBe(true)
  })

  it('emits an invalidate event', async () => {
    const kit = make(uniquePrefix())
    const seen = vi.fn()
    kit.events.on('invalidate', seen)
    await kit.cache.invalidateTags(['a', 'b', 'a'])
    expect(seen).toHaveBeenCalledWith({ kind: 'tags', tags: ['a', 'b'], mode: 'delete' })
  })
})

describe('tag invalidation without pub/sub', () => {
  it('reaches another instance once its local copy of the stamp is older than tags.localTtl', async () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    vi.useFakeTimers({ toFake: ['Date'], now })
    const driver = memoryDriver()
    const noBus: Driver = Object.create(driver, { capabilities: { value: { ...driver.capabilities, pubsub: false } } })
    try {
      const prefix = uniquePrefix()
      const a = createCachekit({ driver: noBus, prefix, keys, breaker: false })
      const b = createCachekit({ driver: noBus, prefix, keys, breaker: false, tags: { localTtl: '2s' } })
      await a.cache.set(keys.video({ id: 1 }), { id: 1, title: 'v1', categoryIds: [] })
      expect(await b.cache.get(keys.video({ id: 1 }))).toMatchObject({ title: 'v1' })
      await a.cache.invalidateTags(['video:1'])
      expect(await a.cache.get(keys.video({ id: 1 }))).toBeUndefined()
      // Documented window: b trusts the stamp it read for tags.localTtl.
      expect(await b.cache.get(keys.video({ id: 1 }))).toMatchObject({ title: 'v1' })
      vi.setSystemTime(now + 2_001)
      expect(await b.cache.get(keys.video({ id: 1 }))).toBeUndefined()
    } finally {
      vi.useRealTimers()
      await driver.close()
    }
  })
})

describe('tag invalidation input and failures', () => {
  const make = useKit('memory', { keys })

  it('refuses tags that are not non-empty strings, and unknown modes', async () => {
    const kit = make()
    await expect(kit.cache.invalidateTags(['ok', ''])).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.cache.invalidateTags('video:1' as never)).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.cache.invalidateTags(['ok'], { mode: 'soft' as never })).rejects.toThrow(/mode/)
    await expect(kit.cache.set('x:1', 1, { ttl: '1m', tags: [''] })).rejects.toBeInstanceOf(ValidationError)
  })

  it('does nothing with the kill switch on', async () => {
    const kit = make({ enabled: false })
    expect(await kit.cache.invalidateTags(['video:1'])).toMatchObject({ invalidatedAt: 0 })
  })

  it('queues a stamp that cannot be stored (rejecting only in strict mode), and stops serving the entries in this process', async () => {
    const driver = memoryDriver()
    // Mocked: a memory driver whose scripts fail, so only the tag stamps cannot be stored.
    const failing: Driver = Object.create(driver, {
      eval: { value: () => Promise.reject(new DriverError('injected outage', { driver: 'memory' })) },
    })
    const kit = make({ driver: failing, breaker: false })
    await kit.cache.set(keys.video({ id: 1 }), { id: 1, title: 'v1', categoryIds: [] })
    expect((await kit.cache.invalidateTags(['video:1'])).queued).toEqual(['video:1'])
    await expect(kit.cache.invalidateTags(['video:1'], { onError: 'throw' })).rejects.toBeInstanceOf(DriverError)
    expect(await kit.cache.get(keys.video({ id: 1 }))).toBeUndefined()
  })
})

describe('TagStamps', () => {
  it('remembers a bounded number of tags', async () => {
    const driver = memoryDriver()
    const stamps = new TagStamps({
      driver,
      namespace: createNamespace({ prefix: 'bounded' }),
      trustMs: () => 60_000,
      maxRecords: 3,
      maxAgeMs: 60_000,
    })
    await stamps.invalidate(['a', 'b', 'c', 'd', 'e'], 'hard', Date.now(), 60_000)
    expect(stamps.size).toBe(3)
    const entry = (tag: string) => ({ createdAt: 1, expiresAt: Date.now() + 60_000, staleUntil: Date.now() + 60_000, tags: [tag] })
    expect(stamps.localVerdict(entry('a'), Date.now())).toBeUndefined()
    expect(stamps.localVerdict(entry('e'), Date.now())).toBe('invalid')
    await driver.close()
  })
})
