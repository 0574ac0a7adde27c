import { describe, expect, it, vi } from 'vitest'
import { LockLostError, LockNotAcquiredError, ValidationError } from '../../src/core/errors/index.js'
import type { Cachekit } from '../../src/kit.js'
import { targets } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'
import { patience } from '../support/wait.js'

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('semaphores on $name', (target) => {
  const { name } = target
  // Several clients of one app: the kits of a test share its prefix.
  const make = useKit(target, { label: 'sem', prefixPerTest: true })

  it('admits limit holders, refuses the next with LockNotAcquiredError, and admits it after a release', async () => {
    const encoders = make().locks.semaphore('encoder', { limit: 3 })
    const permits = [await encoders.acquire(), await encoders.acquire(), await encoders.acquire()]
    expect(new Set(permits.map((permit) => permit.fencingToken)).size).toBe(3)
    const refused = await encoders.acquire().catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(LockNotAcquiredError)
    expect((refused as LockNotAcquiredError).retryAfterMs).toBeGreaterThan(0)
    await permits[1]?.release()
    const fourth = await encoders.acquire()
    expect(fourth.fencingToken).toBeGreaterThan(Math.max(...permits.map((permit) => permit.fencingToken)))
    await Promise.all([permits[0]?.release(), permits[2]?.release(), fourth.release()])
  })

  it('never lets more than limit holders run at once under contention from several clients', async () => {
    // Memory drivers are independent stores: there, the clients share one.
    const clients = name === 'memory' ? [make()] : [make(), make(), make()]
    let running = 0
    let peak = 0
    let done = 0
    await Promise.all(
      Array.from({ length: 45 }, (_, index) =>
        (clients[index % clients.length] as Cachekit).locks.semaphore('pool', { limit: 4 }).withPermit(
          async () => {
            running++
            peak = Math.max(peak, running)
            await new Promise((resolve) => setTimeout(resolve, 5))
            running--
            done++
          },
          { wait: '20s', retry: { initialDelay: 2, maxDelay: 20 } },
        ),
      ),
    )
    expect(done).toBe(45)
    expect(peak).toBeLessThanOrEqual(4)
    expect(peak).toBeGreaterThan(1)
  })

  it("frees a crashed holder's permit when its lease runs out, and that holder's signal aborts", async () => {
    const kit = make()
    const single = kit.locks.semaphore('single', { limit: 1, ttl: 80 })
    const crashed = await single.acquire()
    const next = await single.acquire({ wait: '5s', retry: { initialDelay: 5, maxDelay: 20 } })
    await vi.waitFor(() => expect(crashed.signal.aborted).toBe(true), patience)
    expect(crashed.signal.reason).toBeInstanceOf(LockLostError)
    await expect(crashed.release()).rejects.toBeInstanceOf(LockLostError)
    await expect(crashed.extend()).rejects.toBeInstanceOf(LockLostError)
    expect(next.fencingToken).toBeGreaterThan(crashed.fencingToken)
    await next.extend('10s')
    expect(await next.isHeld()).toBe(true)
    await next.release()
  })

  it('withPermit extends the permit while a job longer than its TTL runs', async () => {
    const kit = make()
    const single = kit.locks.semaphore('long', { limit: 1, ttl: 240 })
    const refusals = await single.withPermit(async (permit) => {
      const seen: unknown[] = []
      const stop = Date.now() + 600
      while (Date.now() < stop) {
        seen.push(await single.acquire().catch((error: unknown) => error))
        await new Promise((resolve) => setTimeout(resolve, 30))
      }
      expect(permit.signal.aborted).toBe(false)
      return seen
    })
    expect(refusals.every((error) => error instanceof LockNotAcquiredError)).toBe(true)
    const after = await single.acquire()
    await after.release()
  })

  it('keeps its holders in one sorted set that expires with the longest lease', async () => {
    const kit = make()
    const permit = await kit.locks.semaphore('keyed', { limit: 2, ttl: '10s' }).acquire()
    const key = `${kit.namespace.prefix}__sem:{keyed}`
    expect(await kit.driver.zcard(key)).toBe(1)
    const ttl = await kit.driver.pttl(key)
    expect(ttl).toBeGreaterThan(8_000)
    expect(ttl).toBeLessThanOrEqual(10_000)
    await permit.release()
    expect(await kit.driver.exists([key])).toBe(0)
  })

  it('refuses a bad limit or TTL with ValidationError', () => {
    const kit = make()
    expect(() => kit.locks.semaphore('x', { limit: 0 })).toThrow(ValidationError)
    expect(() => kit.locks.semaphore('x', { limit: 1.5 })).toThrow(ValidationError)
    expect(() => kit.locks.semaphore('x', { limit: 10_001 })).toThrow(ValidationError)
    expect(() => kit.locks.semaphore('x', { limit: 2, ttl: 0 })).toThrow(ValidationError)
    expect(() => kit.locks.semaphore('x', undefined as never)).toThrow(ValidationError)
  })
})
