/**
 * Calls that overlap on one key: each caller gets a value that was current when it
 * asked, never a result meant for another kind of call. Real Redis behind a proxy that
 * slows the wire, so the overlaps happen every run rather than by luck.
 */
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { inject } from 'vitest'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { defineKeys, typed } from '../../src/keys/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js'
import { rawRedis } from '../support/raw-redis.js'
import { uniquePrefix } from '../support/targets.js'

const keys = defineKeys({ item: { template: 'item:{id}', ttl: '1h', grace: '1h', value: typed<string>() } })

let proxy: FaultProxy
let raw: Redis
const kits: Cachekit<typeof keys>[] = []
const make = (options: Partial<Parameters<typeof createCachekit>[0]> = {}) => {
  const kit = createCachekit({ driver: ioredisDriver({ url: proxy.url, commandTimeoutMs: 5_000 }), prefix: uniquePrefix('overlap'), keys, ...options }) as Cachekit<typeof keys>
  kits.push(kit)
  return kit
}

beforeAll(async () => {
  const url = new URL(inject('redisUrl'))
  proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port) })
  raw = rawRedis()
})
afterEach(async () => {
  proxy.delay(0)
  await Promise.all(kits.splice(0).map((kit) => kit.close()))
})
afterAll(async () => {
  await raw.quit()
  await proxy.close()
})

/** Stores `value` already stale (past its TTL, within its grace). */
async function storeStale(kit: Cachekit<typeof keys>, id: number, value: string): Promise<void> {
  const key = keys.item({ id })
  await kit.cache.set(key, value, { ttl: '1ms' })
  await vi.waitFor(async () => expect(await kit.cache.get(key)).toBeUndefined())
}

describe('a forced load and a background refresh of the same key', () => {
  it('the forced load runs its loader, even while a refresh that gave up is in flight', async () => {
    const kit = make()
    const key = keys.item({ id: 1 })
    await storeStale(kit, 1, 'old')
    // Another instance is refreshing the entry: this process's refresh will give up.
    await raw.set(`${kit.cache.keyOf(key)} refresh-lease`, 'another instance', 'PX', 10_000)
    proxy.delay(100)
    // Answered stale at once; its refresh's lease attempt is still on the wire.
    expect(await kit.cache.getOrSet(key, async () => 'refreshed')).toBe('old')

    const forced = await kit.cache.getOrSet(key, async () => 'forced', { forceFresh: true })

    expect(forced).toBe('forced')
  })
})
