/**
 * Invalidations during an outage: the database write succeeded, the delete or tag stamp
 * could not reach Redis. The caller is not failed; the invalidation waits in the outbox,
 * this process treats it as done, and it reaches Redis (and every process) once Redis is
 * back. One instance's connections go through a proxy that cuts them; the other's do not.
 */
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DriverError } from '../../src/core/errors/index.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { defineKeys, typed } from '../../src/keys/index.js'
import { useOutage } from '../support/outage.js'
import { rawRedis } from '../support/raw-redis.js'
import { useKit } from '../support/use-kit.js'

const keys = defineKeys({
  video: { template: 'video:{id}', ttl: '1h', tags: ({ id }) => [`video:${id}`], value: typed<string>() },
})
const cascades = { 'video.changed': ({ id }: { id: number }) => ({ keys: [keys.video({ id })], tags: [`video:${id}`] }) }

const outage = useOutage({ driver: { commandTimeoutMs: 300, subscriptionHeartbeatMs: 200 } })
const make = useKit(outage.target, { label: 'outbox', keys, prefixPerTest: true })
let raw: Redis

/** `writer` goes through the proxy (its invalidations will fail); `other` is another process. */
async function pair(l1 = false) {
  const writer = make({ cascades, l1, breaker: { failureThreshold: 3, cooldownMs: 200 } })
  const other = make({ driver: ioredisDriver({ url: outage.directUrl }) })
  await Promise.all([writer.ready(), other.ready()])
  return { writer, other }
}

beforeAll(async () => {
  raw = rawRedis(outage.directUrl)
})
afterAll(async () => {
  await raw.quit()
})

describe('a delete during an outage', () => {
  it("resolves instead of failing the caller's write, and reaches Redis once it is back", async () => {
    const { writer, other } = await pair()
    const key = keys.video({ id: 1 })
    await other.cache.set(key, 'before the write')
    await outage.cut()
    expect(await writer.cache.delete(key)).toBe(0)
    expect((await writer.monitor.health()).invalidations).toMatchObject({ keys: 1, tags: 0 })

    await outage.restore()
    await vi.waitFor(async () => expect(await raw.get(other.cache.keyOf(key))).toBeNull(), { timeout: 10_000, interval: 100 })
    expect(await other.cache.getOrSet(key, async () => 'after the write')).toBe('after the write')
    await vi.waitFor(async () => expect((await writer.monitor.health()).invalidations).toMatchObject({ keys: 0, tags: 0 }))
  })

  it('is not undone in this process meanwhile: neither L1 nor the old entry in Redis is served', async () => {
    const { writer, other } = await pair(true)
    const key = keys.video({ id: 2 })
    await other.cache.set(key, 'before the write')
    expect(await writer.cache.get(key)).toBe('before the write')
    await outage.cut()
    await writer.cache.delete(key)
    expect(await writer.cache.get(key)).toBeUndefined()
    // Back: once this process reads from Redis again, it still does not serve the old entry,
    // whether or not the outbox has replayed the delete yet.
    await other.cache.set(keys.video({ id: 99 }), 'probe')
    await outage.restore()
    await vi.waitFor(async () => expect(await writer.cache.get(keys.video({ id: 99 }))).toBe('probe'), { timeout: 10_000, interval: 100 })
    expect(await writer.cache.getOrSet(key, async () => 'after the write')).toBe('after the write')
  })
})

describe('a tag invalidation during an outage', () => {
  it('resolves listing what waits, keeps this process from serving the entries, and reaches every process once Redis is back', async () => {
    const { writer, other } = await pair()
    const key = keys.video({ id: 3 })
    await other.cache.set(key, 'before the write')
    await outage.cut()
    const report = await writer.cache.invalidateTags(['video:3'])
    expect(report.queued).toEqual(['video:3'])
    expect(await writer.cache.get(key)).toBeUndefined()

    await outage.restore()
    await vi.waitFor(async () => expect(await raw.get(writer.namespace.key('__tag:video%3A3'))).not.toBeNull(), {
      timeout: 10_000,
      interval: 100,
    })
    // A process that never heard of it finds the stamp in Redis.
    const fresh = make({ driver: ioredisDriver({ url: outage.directUrl }), prefix: writer.namespace.prefix.replace(/:$/, '') })
    expect(await fresh.cache.getOrSet(key, async () => 'after the write')).toBe('after the write')
  })

  it("rejects in strict mode (onError: 'throw'), and still sends the stamp once Redis is back", async () => {
    const { writer } = await pair()
    await outage.cut()
    await expect(writer.cache.invalidateTags(['video:4'], { onError: 'throw' })).rejects.toBeInstanceOf(DriverError)
    await outage.restore()
    await vi.waitFor(async () => expect(await raw.get(writer.namespace.key('__tag:video%3A4'))).not.toBeNull(), {
      timeout: 10_000,
      interval: 100,
    })
  })
})

describe('a cascade during an outage', () => {
  it('reports its keys and tags as queued instead of failing with INVALIDATION_FAILED', async () => {
    const { writer, other } = await pair()
    const key = keys.video({ id: 5 })
    await other.cache.set(key, 'before the write')
    await outage.cut()
    const report = await writer.invalidate('video.changed', { id: 5 })
    expect(report.keys).toMatchObject({ deleted: 0, queued: true })
    expect(report.tags?.queued).toEqual(['video:5'])
    await outage.restore()
    await vi.waitFor(async () => expect(await raw.get(other.cache.keyOf(key))).toBeNull(), { timeout: 10_000, interval: 100 })
  })
})
