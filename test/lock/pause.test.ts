/**
 * A holder whose process stops running (a long GC, a blocked event loop) outlives its
 * lock. Here the event loop is really blocked (Atomics.wait), longer than the TTL: the
 * lock expires in Redis, a new owner takes it, and when the late holder wakes up its
 * signal has fired and its fencing token loses at the protected resource.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LockLostError } from '../../src/core/errors/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'

/** A resource that checks fencing tokens: it refuses a write with a token lower than one it has seen. */
class FencedLedger {
  highestToken = 0
  readonly entries: string[] = []

  write(fencingToken: number, entry: string): void {
    if (fencingToken < this.highestToken) throw new Error(`stale fencing token ${fencingToken} < ${this.highestToken}`)
    this.highestToken = fencingToken
    this.entries.push(entry)
  }
}

function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

describe.each(targets('memory', 'redis', 'cluster'))('a paused holder on $name', ({ createDriver }) => {
  let kit: Cachekit
  afterEach(async () => {
    await kit?.close()
  })

  it('loses the lock: its signal fires, the new owner has a larger token, and its late write is refused', async () => {
    kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('pause') })
    const ledger = new FencedLedger()
    const late = await kit.locks.acquire('ledger', { ttl: 150 })
    ledger.write(late.fencingToken, 'late: before the pause')

    blockEventLoop(400)

    const next = await kit.locks.acquire('ledger', { wait: '2s', retry: { initialDelay: 5, maxDelay: 20 } })
    ledger.write(next.fencingToken, 'next')
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(late.signal.aborted).toBe(true)
    expect(late.signal.reason).toBeInstanceOf(LockLostError)
    expect(late.fencingToken).toBeLessThan(next.fencingToken)
    expect(() => ledger.write(late.fencingToken, 'late: after the pause')).toThrow(/stale fencing token/)
    await expect(late.release()).rejects.toBeInstanceOf(LockLostError)
    expect(await next.isHeld()).toBe(true)
    expect(ledger.entries).toEqual(['late: before the pause', 'next'])
    await next.release()
  })
})
