/**
 * The official @keyv/test-suite (API, values, namespaces, iterator) against keyvStore on
 * the memory driver and a real Redis, plus what the suite does not cover: TTLs reaching
 * the driver, clear() staying inside its scope, and cache-manager on top.
 */
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite'
import { createCache } from 'cache-manager'
import Keyv from 'keyv'
import * as vitest from 'vitest'
import { afterAll, describe, expect, it } from 'vitest'
import { keyvStore } from '../../src/adapters/keyv/index.js'
import { ValidationError } from '../../src/core/errors/index.js'
import { createCachekit } from '../../src/kit.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { targets, uniquePrefix } from '../support/targets.js'

describe.each(targets('memory', 'redis'))('@keyv/test-suite on $name', ({ createDriver }) => {
  const kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('keyv') })
  afterAll(() => kit.close())
  const store = () => keyvStore(kit)
  keyvTestSuite(vitest, Keyv, store)
  keyvIteratorTests(vitest, Keyv, store)
})

describe.each(targets('memory', 'redis'))('keyvStore on $name', ({ createDriver }) => {
  const kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('keyv') })
  afterAll(() => kit.close())

  it('gives entries with a TTL a driver-side expiry, and none without', async () => {
    const keyv = new Keyv({ store: keyvStore(kit, { prefix: 'ttl' }), namespace: 'users' })
    await keyv.set('ada', { name: 'Ada' }, 60_000)
    await keyv.set('grace', { name: 'Grace' })
    const ttlMs = await kit.driver.pttl(`${kit.namespace.prefix}ttl:users:ada`)
    expect(ttlMs).toBeGreaterThan(50_000)
    expect(ttlMs).toBeLessThanOrEqual(60_000)
    expect(await kit.driver.pttl(`${kit.namespace.prefix}ttl:users:grace`)).toBe(-1)
    expect(await keyv.get('ada')).toEqual({ name: 'Ada' })
  })

  it('clears only its own prefix and namespace', async () => {
    await kit.driver.set(`${kit.namespace.prefix}other:key`, 'kept')
    const keyv = new Keyv({ store: keyvStore(kit, { prefix: 'scoped' }), namespace: 'a' })
    await keyv.set('x', 1)
    await keyv.clear()
    expect(await keyv.get('x')).toBeUndefined()
    expect(await kit.driver.get(`${kit.namespace.prefix}other:key`)).toBe('kept')
  })

  it('clears a Keyv namespace holding glob characters literally', async () => {
    const wide = new Keyv({ store: keyvStore(kit, { prefix: 'glob' }), namespace: 'a*' })
    const other = new Keyv({ store: keyvStore(kit, { prefix: 'glob' }), namespace: 'ab' })
    await wide.set('x', 1)
    await other.set('x', 2)
    await wide.clear()
    expect(await wide.get('x')).toBeUndefined()
    expect(await other.get('x')).toBe(2)
  })

  it('round-trips keys whose segments start with __ or %, stored escaped', async () => {
    const store = keyvStore(kit, { prefix: 'escaped' })
    const keyv = new Keyv({ store, namespace: 'n' })
    const names = ['__a', '%41', 'x:__y:%z', '%__b']
    for (const name of names) await keyv.set(name, name)
    for (const name of names) expect(await keyv.get(name)).toBe(name)
    expect(await kit.driver.get(`${kit.namespace.prefix}escaped:n:%__a`)).not.toBeNull()
    const listed: string[] = []
    for await (const [key] of store.iterator('n')) listed.push(String(key))
    expect(listed.sort()).toEqual(names.map((name) => `n:${name}`).sort())
  })

  it('serves cache-manager v7 as its store', async () => {
    const cache = createCache({ stores: [new Keyv({ store: keyvStore(kit, { prefix: 'cm' }) })] })
    let loads = 0
    const load = async () => {
      loads += 1
      return { id: 7 }
    }
    expect(await cache.wrap('video:7', load, 60_000)).toEqual({ id: 7 })
    expect(await cache.wrap('video:7', load, 60_000)).toEqual({ id: 7 })
    expect(loads).toBe(1)
  })
})

describe('keyvStore options', () => {
  it('refuses a prefix with glob characters', () => {
    expect(() => keyvStore(memoryDriver(), { prefix: 'a*' })).toThrow(ValidationError)
  })

  it('refuses to clear a whole database when nothing scopes it', async () => {
    const driver = memoryDriver()
    const keyv = new Keyv({ store: keyvStore(driver), useKeyPrefix: false, namespace: undefined, throwOnErrors: true })
    await expect(keyv.clear()).rejects.toBeInstanceOf(ValidationError)
    await driver.close()
  })

  it('closes the driver on disconnect only when asked to', async () => {
    const kept = memoryDriver()
    await new Keyv({ store: keyvStore(kept) }).disconnect()
    expect(await kept.set('still', 'open')).toBe(true)
    const owned = memoryDriver()
    await new Keyv({ store: keyvStore(owned, { closeOnDisconnect: true }) }).disconnect()
    await expect(owned.get('x')).rejects.toMatchObject({ code: 'DRIVER_CLOSED' })
    await kept.close()
  })
})
