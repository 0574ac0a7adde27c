import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineKeys } from '../../src/keys/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'

const keys = defineKeys({
  news: { template: 'news:{id}', ttl: '1m', grace: '10m' },
  plain: { template: 'plain:{id}', ttl: '1m' },
})

// Only Date is faked: logical expiry (fresh/stale) follows the fake clock, while the
// drivers' sockets and timers run for real. Physical TTLs (ttl + grace) stay long enough.
describe.each(targets('memory', 'redis'))('grace and stale-while-revalidate on $name', ({ createDriver }) => {
  let kit: Cachekit<typeof keys>
  let now: number
  beforeEach(() => {
    now = Date.parse('2026-01-01T00:00:00Z')
    vi.useFakeTimers({ toFake: ['Date'], now })
    kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix(), keys })
  })
  afterEach(async () => {
    vi.useRealTimers()
    await kit.close()
  })
  const advance = (ms: number) => {
    now += ms
    vi.setSystemTime(now)
  }

  it('serves the stale value at once while one loader refreshes it in the background', async () => {
    await kit.cache.getOrSet(keys.news({ id: 1 }), async () => 'v1')
    advance(90_000)
    let release!: () => void
    const refresh = vi.fn(
      () =>
        new Promise<string>((resolve) => {
          release = () => resolve('v2')
        }),
    )
    const stale = await Promise.all(Array.from({ length: 10 }, () => kit.cache.getOrSet(keys.news({ id: 1 }), refresh)))
    expect(stale).toEqual(Array.from({ length: 10 }, () => 'v1'))
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(1))
    release()
    await vi.waitFor(async () => expect(await kit.cache.get(keys.news({ id: 1 }))).toBe('v2'))
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(kit.cache.stats().news).toMatchObject({ staleHits: 10, loads: 2 })
  })

  it('keeps serving stale within grace when the refresh fails, and reports the failure', async () => {
    await kit.cache.getOrSet(keys.news({ id: 2 }), async () => 'good')
    advance(120_000)
    const errors = vi.fn()
    kit.events.on('load-error', errors)
    const failing = vi.fn(async () => Promise.reject(new Error('db down')))
    expect(await kit.cache.getOrSet(keys.news({ id: 2 }), failing)).toBe('good')
    await vi.waitFor(() => expect(errors).toHaveBeenCalledWith(expect.objectContaining({ servedStale: true, family: 'news' })))
    expect(await kit.cache.getOrSet(keys.news({ id: 2 }), failing)).toBe('good')
  })

  it('stops serving an entry once its grace has passed', async () => {
    await kit.cache.getOrSet(keys.news({ id: 3 }), async () => 'old')
    advance(60_000 + 600_000 + 1)
    expect(await kit.cache.getOrSet(keys.news({ id: 3 }), async () => 'new')).toBe('new')
  })

  it('treats an expired entry without grace as a miss', async () => {
    await kit.cache.getOrSet(keys.plain({ id: 1 }), async () => 'old')
    advance(60_001)
    expect(await kit.cache.get(keys.plain({ id: 1 }))).toBeUndefined()
    expect(await kit.cache.getOrSet(keys.plain({ id: 1 }), async () => 'new')).toBe('new')
  })

  it('get returns stale values only when asked', async () => {
    await kit.cache.set(keys.news({ id: 4 }), 'stale soon')
    advance(61_000)
    expect(await kit.cache.get(keys.news({ id: 4 }))).toBeUndefined()
    expect(await kit.cache.get(keys.news({ id: 4 }), { allowStale: true })).toBe('stale soon')
    expect(await kit.cache.has(keys.news({ id: 4 }))).toBe(false)
  })

  it('waits for the refresh when staleWhileRevalidate is off, up to the soft timeout', async () => {
    await kit.cache.getOrSet(keys.news({ id: 5 }), async () => 'v1')
    advance(61_000)
    expect(await kit.cache.getOrSet(keys.news({ id: 5 }), async () => 'v2', { staleWhileRevalidate: false })).toBe('v2')
    advance(61_000)
    let release!: () => void
    const slow = () =>
      new Promise<string>((resolve) => {
        release = () => resolve('v3')
      })
    expect(await kit.cache.getOrSet(keys.news({ id: 5 }), slow, { staleWhileRevalidate: false, timeout: 20 })).toBe('v2')
    release()
    await vi.waitFor(async () => expect(await kit.cache.get(keys.news({ id: 5 }))).toBe('v3'))
  })
})
