/**
 * Locks fail closed: through a real TCP proxy that hangs, cuts or slows the connection
 * to a real Redis, acquiring rejects with a DriverError (never LockNotAcquiredError, never
 * a pretend success), a held lock whose Redis vanished is reported lost by its TTL, and
 * nothing is left as an unhandled rejection.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { CircuitOpenError, DriverError, DriverTimeoutError, LockLostError, LockNotAcquiredError } from '../../src/core/errors/index.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js'
import { uniquePrefix } from '../support/targets.js'

const TIMEOUT_MS = 200
let proxy: FaultProxy
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  const url = new URL(inject('redisUrl'))
  proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port) })
  process.on('unhandledRejection', onUnhandled)
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await proxy.close()
})

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('locks while Redis is unreachable', () => {
  let kit: Cachekit
  const make = (breaker: { failureThreshold: number; cooldownMs: number } = { failureThreshold: 50, cooldownMs: 300 }) => {
    kit = createCachekit({ driver: ioredisDriver({ url: proxy.url, commandTimeoutMs: TIMEOUT_MS }), prefix: uniquePrefix('outage'), breaker })
    return kit
  }
  afterEach(async () => {
    proxy.delay(0)
    await proxy.restore()
    await kit?.close()
    expect(unhandled).toEqual([])
  })

  it('acquire fails closed with a DriverError within the timeout while Redis hangs', async () => {
    const kit = make()
    await kit.driver.ping()
    await proxy.hang()
    const started = Date.now()
    const error = await kit.locks.acquire('job', { wait: '10s' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DriverError)
    expect(error).not.toBeInstanceOf(LockNotAcquiredError)
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 5 + 1_000)
  })

  it('acquire with a long wait fails at once on a dead Redis instead of retrying through the wait', async () => {
    const kit = make()
    await kit.driver.ping()
    await proxy.cut()
    const started = Date.now()
    await expect(kit.locks.acquire('job', { wait: '30s' })).rejects.toBeInstanceOf(DriverError)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('gives back a lock whose acquire timed out but reached Redis', async () => {
    const kit = make()
    await kit.driver.ping()
    proxy.delay(TIMEOUT_MS * 2)
    await expect(kit.locks.acquire('slow', { ttl: '1m' })).rejects.toBeInstanceOf(DriverTimeoutError)
    proxy.delay(0)
    await until(async () => !(await kit.locks.isLocked('slow').catch(() => true)))
    const lock = await kit.locks.acquire('slow')
    await lock.release()
  })

  it('reports a held lock lost when Redis vanishes: the signal aborts by the TTL and withLock rejects with LockLostError', async () => {
    const kit = make()
    const outcome = await kit.locks
      .withLock(
        'job',
        async (lock) => {
          await proxy.cut()
          await until(() => lock.signal.aborted)
          return 'finished without noticing'
        },
        { ttl: 300 },
      )
      .catch((error: unknown) => error)
    expect(outcome).toBeInstanceOf(LockLostError)
    expect((outcome as LockLostError).message).toMatch(/TTL ran out/)
  })

  it('rejects at once with CircuitOpenError once the breaker opens, and works again after Redis is back', async () => {
    const kit = make({ failureThreshold: 2, cooldownMs: 200 })
    await kit.driver.ping()
    await proxy.cut()
    for (let i = 0; i < 2; i++) await kit.locks.acquire('job').catch(() => undefined)
    expect(kit.circuit).toBe('open')
    const started = Date.now()
    await expect(kit.locks.acquire('job')).rejects.toBeInstanceOf(CircuitOpenError)
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS)
    await proxy.restore()
    await until(async () => {
      const lock = await kit.locks.acquire('job').catch(() => undefined)
      await lock?.release()
      return lock !== undefined
    })
  })
})
