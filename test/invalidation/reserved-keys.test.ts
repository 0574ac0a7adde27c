/**
 * The reserved key space (`__` segments) under every bulk operation and every raw-key
 * writer: two kits share a server, `app` (no environment) and `app` + `prod` nested
 * below it, whose lock keys (`app:prod:__lock:{job}`) a `*` under `app:` matches.
 * A held lock must survive the parent's Keyv clear(), invalidatePattern('*'), clear(),
 * the guard's eviction and a builder's prune; its fencing counter must keep growing;
 * raw Keyv keys must never land on a feature key.
 */
import Keyv from 'keyv'
import { afterEach, describe, expect, it } from 'vitest'
import { keyvStore } from '../../src/adapters/keyv/index.js'
import { LockNotAcquiredError, ValidationError } from '../../src/core/errors/index.js'
import type { Driver } from '../../src/drivers/driver.js'
import { evictFamilies } from '../../src/guard/evict.js'
import { defineKeys } from '../../src/keys/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import type { Lock } from '../../src/lock/lock.js'
import { targets, uniquePrefix } from '../support/targets.js'

describe.each(targets('memory', 'redis', 'cluster'))('the reserved key space on $name', ({ name, createDriver }) => {
  let opened: Cachekit[] = []
  afterEach(async () => {
    for (const kit of opened) await kit.close()
    opened = []
  })

  /** `app` and `app` + `prod` on one server (one shared memory driver for the memory target). */
  function nestedKits(keys?: ReturnType<typeof defineKeys>) {
    const prefix = uniquePrefix('nest')
    const shared: Driver | undefined = name === 'memory' ? createDriver() : undefined
    const parent = createCachekit({ driver: shared ?? createDriver(), prefix, guard: false, ...(keys ? { keys } : {}) })
    const nested = createCachekit({ driver: shared ?? createDriver(), prefix, environment: 'prod', guard: false })
    opened.push(parent, nested)
    return { parent, nested, prefix }
  }

  /** The lock is still held, nobody else gets it, and the next holder's fencing token is larger. */
  async function expectIntact(kit: Cachekit, lock: Lock): Promise<void> {
    expect(await lock.isHeld()).toBe(true)
    await expect(kit.locks.acquire('job', { ttl: '1m', wait: 0 })).rejects.toBeInstanceOf(LockNotAcquiredError)
    await lock.release()
    const next = await kit.locks.acquire('job', { ttl: '1m' })
    expect(next.fencingToken).toBeGreaterThan(lock.fencingToken)
    await next.release()
  }

  it("keeps a nested kit's held lock, its fencing counter and the parent's own sessions through Keyv clear() with namespace ''", async () => {
    const { parent, nested } = nestedKits()
    const nestedLock = await nested.locks.acquire('job', { ttl: '1m' })
    const parentLock = await parent.locks.acquire('job', { ttl: '1m' })
    const session = await parent.sessions.create('ada', { role: 'admin' })
    const keyv = new Keyv({ store: keyvStore(parent), namespace: '' })
    await keyv.set('plain', 'value')
    await keyv.clear()
    expect(await keyv.get('plain')).toBeUndefined()
    expect(await parent.sessions.get(session)).toMatchObject({ data: { role: 'admin' } })
    await expectIntact(nested, nestedLock)
    await expectIntact(parent, parentLock)
  })

  it("keeps a nested kit's held lock through the parent's invalidatePattern('*') and clear()", async () => {
    const { parent, nested } = nestedKits()
    const lock = await nested.locks.acquire('job', { ttl: '1m' })
    await parent.cache.set('page:1', 'one', { ttl: '1m' })
    await nested.cache.set('page:2', 'two', { ttl: '1m' })
    const pattern = await parent.cache.invalidatePattern('*')
    expect(pattern.deleted).toBe(2)
    expect(await parent.cache.get('page:1')).toBeUndefined()
    expect(await lock.isHeld()).toBe(true)
    await parent.cache.set('page:1', 'again', { ttl: '1m' })
    const cleared = await parent.cache.clear()
    expect(cleared.deleted).toBe(1)
    await expectIntact(nested, lock)
  })

  it("refuses plain cache keys with a '__' segment anywhere, so a parent kit cannot write over a nested kit's lock", async () => {
    const { parent, nested } = nestedKits()
    const lock = await nested.locks.acquire('job', { ttl: '1m' })
    for (const key of ['prod:__lock:{job}', 'prod:__lock:{job}:fence', 'x:__tag:t']) {
      await expect(parent.cache.set(key, 'overwritten', { ttl: '1m' })).rejects.toBeInstanceOf(ValidationError)
      await expect(parent.cache.delete(key)).rejects.toBeInstanceOf(ValidationError)
    }
    await expectIntact(nested, lock)
  })

  it('refuses patterns that name a feature key one segment down', async () => {
    const { parent } = nestedKits()
    await expect(parent.cache.invalidatePattern('prod:__lock:*')).rejects.toBeInstanceOf(ValidationError)
  })

  it('stores raw Keyv keys shaped like feature keys beside them, never over them', async () => {
    const { parent, nested, prefix } = nestedKits()
    const nestedLock = await nested.locks.acquire('job', { ttl: '1m' })
    const parentLock = await parent.locks.acquire('job', { ttl: '1m' })
    const store = keyvStore(parent)
    const keyv = new Keyv({ store, namespace: '' })
    const forged = ['__lock:{job}', '__lock:{job}:fence', 'prod:__lock:{job}', 'prod:__lock:{job}:fence']
    for (const key of forged) await keyv.set(key, '0')
    for (const key of forged) expect(await keyv.get(key)).toBe('0')
    expect(await parent.driver.get(`${prefix}:%__lock:{job}`)).toMatch(/"0"/)
    expect(await parent.driver.get(`${prefix}:prod:%__lock:{job}:fence`)).toMatch(/"0"/)
    // The store's own iterator: Keyv's drops the first segment of every key when it has no namespace.
    const listed: string[] = []
    for await (const [key] of store.iterator()) listed.push(String(key))
    expect(listed.sort()).toEqual([...forged].sort())
    await expectIntact(nested, nestedLock)
    await expectIntact(parent, parentLock)
  })

  it("writes a family key whose parameters spell a nested kit's feature key beside it, and clear() still reaches it", async () => {
    const keys = defineKeys({ triple: { template: '{a}:{b}:{c}', ttl: '1m' } })
    const { parent, nested, prefix } = nestedKits(keys)
    await nested.counters.incr('visits')
    const forged = keys.triple({ a: 'prod', b: '__cnt', c: 'visits' })
    await parent.cache.set(forged, 'not a number')
    expect(parent.cache.keyOf(forged)).toBe(`${prefix}:prod:%5F_cnt:visits`)
    expect(await nested.counters.incr('visits')).toBe(2)
    expect(await parent.cache.get(forged)).toBe('not a number')
    expect((await parent.cache.clear()).deleted).toBe(1)
    expect(await nested.counters.get('visits')).toBe(2)
  })

  it('lets the guard evict a low-priority family whose pattern also matches a nested kit’s feature keys, and nothing of those', async () => {
    const keys = defineKeys({ triple: { template: '{a}:{b}:{c}', ttl: '1m', priority: 'low' } })
    const { parent, nested } = nestedKits(keys)
    await nested.counters.incr('visits')
    const lock = await nested.locks.acquire('job', { ttl: '1m' })
    await parent.cache.set(keys.triple({ a: 'x', b: 'y', c: 'z' }), 'evictable')
    const report = await evictFamilies(parent.driver, parent.namespace, [keys.triple], { batchSize: 100, maxEvictions: 1000 })
    expect(report.total).toBe(1)
    expect(await parent.cache.get(keys.triple({ a: 'x', b: 'y', c: 'z' }))).toBeUndefined()
    expect(await nested.counters.get('visits')).toBe(1)
    await expectIntact(nested, lock)
  })
})
