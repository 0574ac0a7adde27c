/**
 * The cross-process lease of `getOrSet` when Redis fails around it, on a real redis-server
 * of the test's own (it is stopped, SIGSTOPped and write-paused):
 * - an instance waiting for another's lease answers with its own loader when Redis hangs
 *   or dies while it waits (every read path fails open, waiting included);
 * - a lease write whose reply never came (the write lands later) is given back, so the next
 *   instance does not wait a whole lease time for an owner that already gave up.
 */
import type { Redis } from 'ioredis'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { rawRedis } from '../support/raw-redis.js'
import { startRedisProcess, type RedisProcess } from '../support/redis-process.js'
import { uniquePrefix } from '../support/targets.js'

const COMMAND_TIMEOUT_MS = 300
/** Long enough that waiting it out would fail the test: the bounds asserted are far below. */
const LEASE = '30s'

let redis: RedisProcess
let raw: Redis
const kits: Cachekit[] = []
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason)
}

beforeEach(async () => {
  redis = await startRedisProcess()
  raw = rawRedis(redis.url)
  raw.on('error', () => undefined)
  process.on('unhandledRejection', onUnhandled)
})
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled)
  await redis.resume().catch(() => undefined)
  await Promise.all(kits.splice(0).map((kit) => kit.close()))
  raw.disconnect()
  await redis.stop()
  expect(unhandled).toEqual([])
})

function kitOn(prefix: string): Cachekit {
  // The breaker is off in the waiting tests: what is under test is the read path's own fallback.
  const kit = createCachekit({ driver: ioredisDriver({ url: redis.url, commandTimeoutMs: COMMAND_TIMEOUT_MS }), prefix, defaultTtl: '1m', stampede: { lease: LEASE } })
  kits.push(kit)
  return kit
}

async function getCalls(): Promise<number> {
  const stats = await raw.info('commandstats')
  return Number(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1] ?? 0)
}

/** A itself holds the lease on `key` (its loader waits for `release`); B is seen polling for it. */
async function bWaitingOnA(key: string): Promise<{ b: Promise<string>; release: () => void; startedAt: number }> {
  const prefix = uniquePrefix('lease-wait')
  const a = kitOn(prefix)
  const b = kitOn(prefix)
  let release = (): void => undefined
  const held = new Promise<string>((resolve) => {
    release = () => resolve('from-a')
  })
  void a.cache.getOrSet(key, () => held).catch(() => undefined)
  await vi.waitFor(async () => expect(await raw.get(`${prefix}:${key}`)).toMatch(/lease/), { timeout: 10_000, interval: 10 })
  const before = await getCalls()
  const startedAt = Date.now()
  const waiting = b.cache.getOrSet(key, () => 'from-b')
  // B's first read found the lease and it polls again: it is waiting.
  await vi.waitFor(async () => expect(await getCalls()).toBeGreaterThanOrEqual(before + 2), { timeout: 10_000, interval: 5 })
  return { b: waiting, release, startedAt }
}

describe('getOrSet waiting on another instance lease', () => {
  it('answers with its own loader when Redis hangs while it waits', async () => {
    const { b, release } = await bWaitingOnA('report:hang')
    await redis.pause()
    const pausedAt = Date.now()
    await expect(b).resolves.toBe('from-b')
    // One failed poll (a command timeout), not the 30 s lease.
    expect(Date.now() - pausedAt).toBeLessThan(5_000)
    release()
  }, 60_000)

  it('answers with its own loader when Redis is killed while it waits', async () => {
    const { b, release } = await bWaitingOnA('report:kill')
    const stoppedAt = Date.now()
    await redis.stop()
    await expect(b).resolves.toBe('from-b')
    expect(Date.now() - stoppedAt).toBeLessThan(10_000)
    release()
    await redis.start()
  }, 60_000)
})

describe('a lease write whose reply never came', () => {
  it('is given back once it lands, so the next instance loads at once instead of waiting the lease out', async () => {
    const prefix = uniquePrefix('lease-orphan')
    // A's driver is the real ioredis driver; only its first lease write (SET NX) is preceded
    // by a SIGSTOP of the server, so the hang falls exactly between the miss and the lease.
    // The write reaches the stopped server's socket and lands when it continues.
    const real = ioredisDriver({ url: redis.url, commandTimeoutMs: COMMAND_TIMEOUT_MS })
    let armed = true
    const tripwire = new Proxy(real, {
      get(target, property, receiver) {
        if (property === 'set') {
          return async (...args: Parameters<typeof real.set>) => {
            if (armed && args[2]?.nx === true) {
              armed = false
              await redis.pause()
            }
            return target.set(...args)
          }
        }
        const value: unknown = Reflect.get(target, property, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const a = createCachekit({ driver: tripwire, prefix, defaultTtl: '1m', stampede: { lease: LEASE } })
    kits.push(a)
    const b = kitOn(prefix)
    const full = `${prefix}:profile:7`
    await a.driver.ping()
    await expect(a.cache.getOrSet('profile:7', () => 'from-a')).resolves.toBe('from-a')
    expect(armed).toBe(false)
    await redis.resume()
    // The lease landed when the server continued; its give-back follows it.
    await vi.waitFor(async () => expect(await raw.get(full)).toBeNull(), { timeout: 10_000, interval: 20 })
    const startedAt = Date.now()
    await expect(b.cache.getOrSet('profile:7', () => 'from-b')).resolves.toBe('from-b')
    expect(Date.now() - startedAt).toBeLessThan(5_000)
  }, 60_000)
})
