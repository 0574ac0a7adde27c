/**
 * The cross-process lease of `getOrSet` when Redis fails around it, on a real redis-server
 * of this file's own (it is stopped and SIGSTOPped):
 * - an instance waiting for another's lease answers with its own loader when Redis hangs
 *   or dies while it waits (every read path fails open, waiting included);
 * - a lease write whose reply never came (the write lands later) is given back, so the next
 *   instance does not wait a whole lease time for an owner that already gave up.
 */
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { useOutage } from '../support/outage.js'
import { rawRedis } from '../support/raw-redis.js'
import { useKit } from '../support/use-kit.js'
import { patience } from '../support/wait.js'

const COMMAND_TIMEOUT_MS = 300
/** Long enough that waiting it out would fail the test: the bounds asserted are far below. */
const LEASE = '30s'

// The server is this file's own; the kits talk to it directly (its network stays up), and
// each test's kits share one prefix, as the instances of one app do.
const outage = useOutage({ driver: { commandTimeoutMs: COMMAND_TIMEOUT_MS }, failOnUnhandled: true })
const make = useKit(outage.directTarget, { label: 'lease', prefixPerTest: true, defaultTtl: '1m', stampede: { lease: LEASE } })
let raw: Redis

beforeAll(() => {
  raw = rawRedis(outage.directUrl)
  raw.on('error', () => undefined)
})
afterAll(() => {
  raw.disconnect()
})

async function getCalls(): Promise<number> {
  const stats = await raw.info('commandstats')
  return Number(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1] ?? 0)
}

/** A itself holds the lease on `key` (its loader waits for `release`); B is seen polling for it. */
async function bWaitingOnA(key: string): Promise<{ b: Promise<string>; release: () => void; startedAt: number }> {
  const prefix = make.prefix
  const a = make()
  const b = make()
  let release = (): void => undefined
  const held = new Promise<string>((resolve) => {
    release = () => resolve('from-a')
  })
  void a.cache.getOrSet(key, () => held).catch(() => undefined)
  await vi.waitFor(async () => expect(await raw.get(`${prefix}:${key}`)).toMatch(/lease/), patience)
  const before = await getCalls()
  const startedAt = Date.now()
  const waiting = b.cache.getOrSet(key, () => 'from-b')
  // B's first read found the lease and it polls again: it is waiting.
  await vi.waitFor(async () => expect(await getCalls()).toBeGreaterThanOrEqual(before + 2), patience)
  return { b: waiting, release, startedAt }
}

describe('getOrSet waiting on another instance lease', () => {
  it('answers with its own loader when Redis hangs while it waits', async () => {
    const { b, release } = await bWaitingOnA('report:hang')
    await outage.pauseServer()
    const pausedAt = Date.now()
    await expect(b).resolves.toBe('from-b')
    // One failed poll (a command timeout), not the 30 s lease.
    expect(Date.now() - pausedAt).toBeLessThan(5_000)
    release()
  }, 60_000)

  it('answers with its own loader when Redis is killed while it waits', async () => {
    const { b, release } = await bWaitingOnA('report:kill')
    const stoppedAt = Date.now()
    await outage.stopServer()
    await expect(b).resolves.toBe('from-b')
    expect(Date.now() - stoppedAt).toBeLessThan(10_000)
    release()
  }, 60_000)
})

describe('a lease write whose reply never came', () => {
  it('is given back once it lands, so the next instance loads at once instead of waiting the lease out', async () => {
    const prefix = make.prefix
    // A's driver is the real ioredis driver; only its first lease write (SET NX) is preceded
    // by a SIGSTOP of the server, so the hang falls exactly between the miss and the lease.
    // The write reaches the stopped server's socket and lands when it continues.
    const real = ioredisDriver({ url: outage.directUrl, commandTimeoutMs: COMMAND_TIMEOUT_MS })
    let armed = true
    const tripwire = new Proxy(real, {
      get(target, property, receiver) {
        if (property === 'set') {
          return async (...args: Parameters<typeof real.set>) => {
            if (armed && args[2]?.nx === true) {
              armed = false
              await outage.pauseServer()
            }
            return target.set(...args)
          }
        }
        const value: unknown = Reflect.get(target, property, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const a = make({ driver: tripwire })
    const b = make()
    const full = `${prefix}:profile:7`
    await a.driver.ping()
    await expect(a.cache.getOrSet('profile:7', () => 'from-a')).resolves.toBe('from-a')
    expect(armed).toBe(false)
    await outage.resumeServer()
    // The lease landed when the server continued; its give-back follows it.
    await vi.waitFor(async () => expect(await raw.get(full)).toBeNull(), patience)
    const startedAt = Date.now()
    await expect(b.cache.getOrSet('profile:7', () => 'from-b')).resolves.toBe('from-b')
    expect(Date.now() - startedAt).toBeLessThan(5_000)
  }, 60_000)
})
