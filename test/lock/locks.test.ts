import { describe, expect, it, vi } from 'vitest'
import { CachekitError, LockLostError, LockNotAcquiredError, ValidationError } from '../../src/core/errors/index.js'
import { targets } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'
import { clockPasses, patience } from '../support/wait.js'

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('locks on $name', (target) => {
  const make = useKit(target, { label: 'lock' })

  it('acquires a free lock, releases it, and gives the next owner a larger fencing token', async () => {
    const kit = make()
    const first = await kit.locks.acquire('report:1')
    expect(await kit.locks.isLocked('report:1')).toBe(true)
    await first.release()
    expect(await kit.locks.isLocked('report:1')).toBe(false)
    const second = await kit.locks.acquire('report:1')
    expect(second.fencingToken).toBeGreaterThan(first.fencingToken)
    expect(second.signal.aborted).toBe(false)
    await second.release()
    await second.release()
  })

  it('refuses a held lock with LockNotAcquiredError, saying how long the holder still has', async () => {
    const kit = make()
    const holder = await kit.locks.acquire('report:2', { ttl: '10s' })
    const refused = await kit.locks.acquire('report:2').catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(LockNotAcquiredError)
    expect(CachekitError.is(refused, 'LOCK_NOT_ACQUIRED')).toBe(true)
    expect((refused as LockNotAcquiredError).resource).toBe('report:2')
    expect((refused as LockNotAcquiredError).retryAfterMs).toBeGreaterThan(5_000)
    expect((refused as LockNotAcquiredError).retryAfterMs).toBeLessThanOrEqual(10_000)
    await holder.release()
  })

  it('waits, retrying with backoff, and gets the lock once the holder releases it', async () => {
    const kit = make()
    const holder = await kit.locks.acquire('report:3', { ttl: '10s' })
    const waiting = kit.locks.acquire('report:3', { wait: '5s', retry: { initialDelay: 5, maxDelay: 20 } })
    await clockPasses(60)
    await holder.release()
    const next = await waiting
    expect(next.fencingToken).toBe(holder.fencingToken + 1)
    await next.release()
  })

  it('gives up after wait with LockNotAcquiredError, having waited at least that long', async () => {
    const kit = make()
    const holder = await kit.locks.acquire('report:4', { ttl: '10s' })
    const started = Date.now()
    const refused = await kit.locks.acquire('report:4', { wait: 150, retry: { initialDelay: 10 } }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(LockNotAcquiredError)
    expect((refused as LockNotAcquiredError).waitedMs).toBeGreaterThanOrEqual(150)
    expect(Date.now() - started).toBeLessThan(5_000)
    await holder.release()
  })

  it('expires by its TTL, and the holder learns it: the signal aborts with LockLostError', async () => {
    const kit = make()
    const lock = await kit.locks.acquire('report:5', { ttl: 100 })
    expect(lock.expiresAt).toBeLessThanOrEqual(Date.now() + 100)
    await vi.waitFor(() => expect(lock.signal.aborted).toBe(true), patience)
    expect(lock.signal.reason).toBeInstanceOf(LockLostError)
    expect((lock.signal.reason as LockLostError).fencingToken).toBe(lock.fencingToken)
    await vi.waitFor(async () => expect(await kit.locks.isLocked('report:5')).toBe(false), patience)
    const next = await kit.locks.acquire('report:5')
    expect(next.fencingToken).toBeGreaterThan(lock.fencingToken)
    await next.release()
  })

  it("never deletes a new owner's lock: a release after expiry rejects with LockLostError", async () => {
    const kit = make()
    const late = await kit.locks.acquire('report:6', { ttl: 80 })
    const next = await kit.locks.acquire('report:6', { wait: '5s', retry: { initialDelay: 5, maxDelay: 20 } })
    await expect(late.release()).rejects.toBeInstanceOf(LockLostError)
    expect(await kit.locks.isLocked('report:6')).toBe(true)
    expect(await next.isHeld()).toBe(true)
    expect(next.fencingToken).toBeGreaterThan(late.fencingToken)
    await expect(late.extend()).rejects.toBeInstanceOf(LockLostError)
    await next.release()
  })

  it('extend keeps the lock past its original TTL, with millisecond precision', async () => {
    const kit = make()
    const lock = await kit.locks.acquire('report:7', { ttl: 150 })
    await lock.extend(3_000)
    expect(lock.expiresAt).toBeGreaterThan(Date.now() + 2_000)
    await clockPasses(250)
    expect(await lock.isHeld()).toBe(true)
    expect(lock.signal.aborted).toBe(false)
    await expect(kit.locks.acquire('report:7')).rejects.toBeInstanceOf(LockNotAcquiredError)
    const ttl = await kit.driver.pttl(`${kit.namespace.prefix}__lock:{report%3A7}`)
    expect(ttl).toBeGreaterThan(2_000)
    expect(ttl).toBeLessThanOrEqual(3_000)
    await lock.release()
  })

  it('extend after expiry rejects with LockLostError and aborts the signal', async () => {
    const kit = make()
    const lock = await kit.locks.acquire('report:8', { ttl: 60 })
    await vi.waitFor(async () => expect(await kit.locks.isLocked('report:8')).toBe(false), patience)
    await expect(lock.extend('1s')).rejects.toBeInstanceOf(LockLostError)
    expect(lock.signal.aborted).toBe(true)
    await expect(lock.release()).rejects.toBeInstanceOf(LockLostError)
  })

  it("forceRelease frees a held lock; the holder's isHeld turns false and its signal aborts; tokens keep growing", async () => {
    const kit = make()
    const lock = await kit.locks.acquire('report:9', { ttl: '1m' })
    expect(await kit.locks.forceRelease('report:9')).toBe(true)
    expect(await kit.locks.forceRelease('report:9')).toBe(false)
    expect(await lock.isHeld()).toBe(false)
    expect(lock.signal.reason).toBeInstanceOf(LockLostError)
    const next = await kit.locks.acquire('report:9')
    expect(next.fencingToken).toBeGreaterThan(lock.fencingToken)
    await next.release()
  })

  it('withLock auto-extends so a job longer than twice the TTL keeps its lock', async () => {
    const kit = make()
    const refusals: unknown[] = []
    const result = await kit.locks.withLock(
      'report:10',
      async (lock) => {
        const until = Date.now() + 600
        while (Date.now() < until) {
          refusals.push(await kit.locks.acquire('report:10').catch((error: unknown) => error))
          await clockPasses(30)
        }
        expect(lock.signal.aborted).toBe(false)
        return lock.fencingToken
      },
      { ttl: 240 },
    )
    expect(result).toBeGreaterThan(0)
    expect(refusals.length).toBeGreaterThan(5)
    expect(refusals.every((error) => error instanceof LockNotAcquiredError)).toBe(true)
    expect(await kit.locks.isLocked('report:10')).toBe(false)
  })

  it("withLock releases when the function throws, and rethrows the function's error", async () => {
    const kit = make()
    const failure = new Error('job failed')
    await expect(kit.locks.withLock('report:11', async () => Promise.reject(failure))).rejects.toBe(failure)
    expect(await kit.locks.isLocked('report:11')).toBe(false)
  })

  it('withLock rejects with LockLostError when the lock was lost while the function ran', async () => {
    const kit = make()
    const outcome = await kit.locks
      .withLock(
        'report:12',
        async (lock) => {
          await kit.locks.forceRelease('report:12')
          await vi.waitFor(() => expect(lock.signal.aborted).toBe(true), patience)
          return 'done'
        },
        { ttl: 90 },
      )
      .catch((error: unknown) => error)
    expect(outcome).toBeInstanceOf(LockLostError)
  })

  it('serializes 20 concurrent read-modify-write jobs in one process exactly', async () => {
    const kit = make()
    const key = 'plain:counter'
    await kit.driver.set(key, '0')
    await Promise.all(
      Array.from({ length: 20 }, () =>
        kit.locks.withLock(
          'counter',
          async () => {
            const value = Number(await kit.driver.get(key))
            await kit.driver.set(key, String(value + 1))
          },
          { wait: '10s', retry: { initialDelay: 2, maxDelay: 20 } },
        ),
      ),
    )
    expect(await kit.driver.get(key)).toBe('20')
  })

  it('escapes resources into one hash-tagged key per resource inside the namespace', async () => {
    const kit = make()
    const odd = await kit.locks.acquire('a}:{b*')
    const plain = await kit.locks.acquire('a')
    expect(await kit.driver.exists([`${kit.namespace.prefix}__lock:{a%7D%3A%7Bb%2A}`])).toBe(1)
    expect(await kit.driver.get(`${kit.namespace.prefix}__lock:{a%7D%3A%7Bb%2A}:fence`)).toBe(String(odd.fencingToken))
    await Promise.all([odd.release(), plain.release()])
  })

  it('refuses bad input with ValidationError, as a rejected promise', async () => {
    const kit = make()
    await expect(kit.locks.acquire('')).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.locks.acquire('x', { ttl: 0 })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.locks.acquire('x', { ttl: '30 days' })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.locks.acquire('x', { wait: -1 })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.locks.acquire('x', { retry: { factor: 0.5 } })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.locks.withLock('x', 'not a function' as never)).rejects.toBeInstanceOf(ValidationError)
    expect(await kit.locks.isLocked('x')).toBe(false)
  })
})
