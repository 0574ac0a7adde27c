/**
 * Locks fail closed: through a real TCP proxy that hangs, cuts or slows the connection
 * to a real Redis, acquiring rejects with a DriverError (never LockNotAcquiredError, never
 * a pretend success), a held lock whose Redis vanished is reported lost by its TTL, and
 * nothing is left as an unhandled rejection.
 */
import { describe, expect, it, vi } from 'vitest'
import { CircuitOpenError, DriverError, DriverTimeoutError, LockLostError, LockNotAcquiredError } from '../../src/core/errors/index.js'
import { useOutage } from '../support/outage.js'
import { useKit } from '../support/use-kit.js'
import { patience } from '../support/wait.js'

const TIMEOUT_MS = 200
const outage = useOutage({ driver: { commandTimeoutMs: TIMEOUT_MS }, failOnUnhandled: true })

describe('locks while Redis is unreachable', () => {
  const make = useKit(outage.target, { label: 'outage', breaker: { failureThreshold: 50, cooldownMs: 300 } })

  it('acquire fails closed with a DriverError within the timeout while Redis hangs', async () => {
    const kit = make()
    await kit.driver.ping()
    await outage.hang()
    const started = Date.now()
    const error = await kit.locks.acquire('job', { wait: '10s' }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DriverError)
    expect(error).not.toBeInstanceOf(LockNotAcquiredError)
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 5 + 1_000)
  })

  it('acquire with a long wait fails at once on a dead Redis instead of retrying through the wait', async () => {
    const kit = make()
    await kit.driver.ping()
    await outage.cut()
    const started = Date.now()
    await expect(kit.locks.acquire('job', { wait: '30s' })).rejects.toBeInstanceOf(DriverError)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('gives back a lock whose acquire timed out but reached Redis', async () => {
    const kit = make()
    await kit.driver.ping()
    outage.delay(TIMEOUT_MS * 2)
    await expect(kit.locks.acquire('slow', { ttl: '1m' })).rejects.toBeInstanceOf(DriverTimeoutError)
    outage.delay(0)
    await vi.waitFor(async () => expect(await kit.locks.isLocked('slow').catch(() => true)).toBe(false), patience)
    const lock = await kit.locks.acquire('slow')
    await lock.release()
  })

  it('reports a held lock lost when Redis vanishes: the signal aborts by the TTL and withLock rejects with LockLostError', async () => {
    const kit = make()
    const outcome = await kit.locks
      .withLock(
        'job',
        async (lock) => {
          await outage.cut()
          await vi.waitFor(() => expect(lock.signal.aborted).toBe(true), patience)
          return 'finished without noticing'
        },
        { ttl: 300 },
      )
      .catch((error: unknown) => error)
    expect(outcome).toBeInstanceOf(LockLostError)
    expect((outcome as LockLostError).message).toMatch(/TTL ran out/)
  })

  it('rejects at once with CircuitOpenError once the breaker opens, and works again after Redis is back', async () => {
    const kit = make({ breaker: { failureThreshold: 2, cooldownMs: 200 } })
    await kit.driver.ping()
    await outage.cut()
    for (let i = 0; i < 2; i++) await kit.locks.acquire('job').catch(() => undefined)
    expect(kit.circuit).toBe('open')
    const started = Date.now()
    await expect(kit.locks.acquire('job')).rejects.toBeInstanceOf(CircuitOpenError)
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS)
    await outage.restore()
    await vi.waitFor(async () => {
      const lock = await kit.locks.acquire('job').catch(() => undefined)
      await lock?.release()
      expect(lock).toBeDefined()
    }, patience)
  })
})
