import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Driver } from '../../src/drivers/driver.js'
import { defineKeys, typed } from '../../src/keys/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'

const keys = defineKeys({ profile: { template: 'profile:{id}', ttl: '1h' } })

describe.each(targets('redis', 'cluster', 'upstash'))('L1 tier across instances on $name', ({ createDriver }) => {
  const kits: Cachekit<typeof keys>[] = []
  const instance = (prefix: string, driver: Driver = createDriver()) => {
    const kit = createCachekit({ driver, prefix, keys, l1: true })
    kits.push(kit)
    return kit
  }
  afterEach(async () => {
    await Promise.all(kits.splice(0).map((kit) => kit.close()))
  })

  it('serves repeated reads from memory without asking the driver', async () => {
    const kit = instance(uniquePrefix())
    await kit.ready()
    const hits = vi.fn()
    kit.events.on('hit', hits)
    await kit.cache.getOrSet(keys.profile({ id: 1 }), async () => ({ name: 'Ada' }))
    await kit.cache.getOrSet(keys.profile({ id: 1 }), async () => ({ name: 'other' }))
    expect(hits).toHaveBeenLastCalledWith(expect.objectContaining({ tier: 'l1' }))
    expect(kit.cache.stats().profile?.l1Hits).toBe(1)
  })

  it("drops every instance's L1 copy when one instance writes or deletes", async () => {
    const prefix = uniquePrefix()
    const [a, b] = [instance(prefix), instance(prefix)]
    await Promise.all([a.ready(), b.ready()])
    await a.cache.set(keys.profile({ id: 2 }), 'v1')
    expect(await b.cache.getOrSet(keys.profile({ id: 2 }), async () => 'loaded')).toBe('v1')
    await a.cache.set(keys.profile({ id: 2 }), 'v2')
    await vi.waitFor(async () => expect(await b.cache.get(keys.profile({ id: 2 }))).toBe('v2'), { timeout: 5000 })
    await a.cache.delete(keys.profile({ id: 2 }))
    await vi.waitFor(async () => expect(await b.cache.get(keys.profile({ id: 2 }))).toBeUndefined(), { timeout: 5000 })
  })
})

describe('L1 tier bounds', () => {
  it('keeps at most maxEntries entries in memory, and the driver still has the rest', async () => {
    const kit = createCachekit({ prefix: uniquePrefix(), keys, l1: { maxEntries: 5 } })
    await kit.ready()
    for (let id = 0; id < 20; id++) await kit.cache.set(keys.profile({ id }), id)
    const tiers: string[] = []
    kit.events.on('hit', ({ tier }) => tiers.push(tier))
    for (let id = 0; id < 20; id++) expect(await kit.cache.get(keys.profile({ id }))).toBe(id)
    expect(tiers.filter((tier) => tier === 'l1').length).toBeLessThanOrEqual(5)
    expect(tiers).toHaveLength(20)
    await kit.close()
  })

  it('without pub/sub, trusts L1 copies only for the L1 ttl', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const driver = targets('memory')[0]!.createDriver()
      const noBus: Driver = Object.create(driver, { capabilities: { value: { ...driver.capabilities, pubsub: false } } })
      const prefix = uniquePrefix()
      const a = createCachekit({ driver: noBus, prefix, keys, l1: { ttl: '5s' }, breaker: false })
      const b = createCachekit({ driver: noBus, prefix, keys, l1: { ttl: '5s' }, breaker: false })
      await a.cache.set(keys.profile({ id: 1 }), 'v1')
      expect(await b.cache.get(keys.profile({ id: 1 }))).toBe('v1')
      await a.cache.set(keys.profile({ id: 1 }), 'v2')
      expect(await b.cache.get(keys.profile({ id: 1 }))).toBe('v1')
      vi.setSystemTime(Date.now() + 5_001)
      expect(await b.cache.get(keys.profile({ id: 1 }))).toBe('v2')
      await driver.close()
    } finally {
      vi.useRealTimers()
    }
  })

  it('refuses nonsense bounds', () => {
    expect(() => createCachekit({ l1: { maxEntries: 0 } })).toThrow(/maxEntries/)
    expect(() => createCachekit({ l1: { maxBytes: -1 } })).toThrow(/maxBytes/)
  })
})

describe('kill switch', () => {
  it('turns reads into loader calls and writes into no-ops', async () => {
    const kit = createCachekit({ prefix: uniquePrefix(), keys, enabled: false })
    const loader = vi.fn(async () => 'fresh')
    expect(await kit.cache.getOrSet(keys.profile({ id: 1 }), loader)).toBe('fresh')
    expect(await kit.cache.getOrSet(keys.profile({ id: 1 }), loader)).toBe('fresh')
    expect(loader).toHaveBeenCalledTimes(2)
    expect(await kit.cache.set(keys.profile({ id: 1 }), 'x')).toBe(false)
    expect(await kit.cache.get(keys.profile({ id: 1 }))).toBeUndefined()
    expect(await kit.driver.exists([`${kit.namespace.prefix}profile:1`])).toBe(0)
    await kit.close()
  })

  it('is switched on by CACHEKIT_DISABLED=1 without code changes', async () => {
    vi.stubEnv('CACHEKIT_DISABLED', '1')
    try {
      const kit = createCachekit({ prefix: uniquePrefix(), keys })
      expect(kit.enabled).toBe(false)
      const loader = vi.fn(async () => 'fresh')
      await kit.cache.getOrSet(keys.profile({ id: 1 }), loader)
      await kit.cache.getOrSet(keys.profile({ id: 1 }), loader)
      expect(loader).toHaveBeenCalledTimes(2)
      await kit.close()
    } finally {
      vi.unstubAllEnvs()
    }
  })
})

describe('values handed out from L1', () => {
  const shared = defineKeys({ profile: { template: 'profile:{id}', ttl: '1h', value: typed<{ name: string; tags: string[] }>() } })

  it('are the same object for every caller without clone: a mutation shows up in the next hit', async () => {
    const kit = createCachekit({ prefix: uniquePrefix(), keys: shared, l1: true })
    await kit.ready()
    const first = await kit.cache.getOrSet(shared.profile({ id: 1 }), async () => ({ name: 'ada', tags: [] }))
    first.tags.push('mutated by a caller')
    expect((await kit.cache.getOrSet(shared.profile({ id: 1 }), async () => ({ name: 'unused', tags: [] }))).tags).toEqual([
      'mutated by a caller',
    ])
    await kit.close()
  })

  it('are copies with clone: true, on the way in (set, load) and on every hit', async () => {
    const kit = createCachekit({ prefix: uniquePrefix(), keys: shared, l1: { clone: true } })
    await kit.ready()
    const written = { name: 'ada', tags: ['a'] }
    await kit.cache.set(shared.profile({ id: 2 }), written)
    written.tags.push('mutated after set')
    const hit = await kit.cache.getOrSet(shared.profile({ id: 2 }), async () => ({ name: 'unused', tags: [] }))
    expect(hit).toEqual({ name: 'ada', tags: ['a'] })
    hit.tags.push('mutated after a hit')
    expect(await kit.cache.get(shared.profile({ id: 2 }))).toEqual({ name: 'ada', tags: ['a'] })
    expect(await kit.cache.getMany([shared.profile({ id: 2 })])).toEqual([{ name: 'ada', tags: ['a'] }])
    await kit.close()
  })

  it('refuses a clone option that is not a boolean', () => {
    expect(() => createCachekit({ l1: { clone: 'yes' as never } })).toThrow(/l1.clone/)
  })
})
