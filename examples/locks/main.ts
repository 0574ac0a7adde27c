/**
 * Locks and semaphores on the in-memory driver: `npm run example:locks`. Swap in
 * `ioredisDriver({ url })` or `upstashDriver({ url, token })` and the same code locks
 * across all your processes. Every snippet in docs/locks.md is copied from this file,
 * which CI runs.
 */
import { createCachekit, LockLostError, LockNotAcquiredError } from 'cachekit'

const kit = createCachekit({ prefix: 'app' })

/**
 * A stand-in for the database the lock protects. The one thing a lock cannot do alone,
 * it does: refuse a write whose fencing token is lower than the highest it has seen. In
 * SQL that is one condition:
 *   UPDATE payouts SET amount = $2, fencing_token = $3
 *   WHERE id = $1 AND fencing_token < $3
 * and "0 rows updated" means a newer lock holder has written: stop.
 */
class Payouts {
  private readonly rows = new Map<string, { amount: number; fencingToken: number }>()

  write(id: string, amount: number, fencingToken: number): boolean {
    const row = this.rows.get(id)
    if (row && row.fencingToken >= fencingToken) return false
    this.rows.set(id, { amount, fencingToken })
    return true
  }
}
const payouts = new Payouts()

// withLock: acquire, run, extend every third of the TTL while it runs, release in finally.
const total = await kit.locks.withLock(
  'royalty-run:7',
  async (lock) => {
    const amount = 1250
    payouts.write('creator-42', amount, lock.fencingToken)
    return amount
  },
  { ttl: '5m' },
)
show('withLock', `royalty run paid ${total}, lock free again: ${!(await kit.locks.isLocked('royalty-run:7'))}`)

// Contention is an error of its own, distinct from an unreachable Redis (DriverError).
const holder = await kit.locks.acquire('payout:42', { ttl: '30s' })
try {
  await kit.locks.acquire('payout:42')
} catch (error) {
  if (!(error instanceof LockNotAcquiredError)) throw error
  show('busy', `${error.code}: held for another ${Math.round((error.retryAfterMs ?? 0) / 1000)} s`)
}

// wait: retry with exponential backoff and jitter until the holder releases it.
const waiting = kit.locks.acquire('payout:42', { wait: '10s', retry: { initialDelay: 10, maxDelay: 100 } })
await holder.release()
const next = await waiting
show('wait', `got it after release, fencing token ${holder.fencingToken} -> ${next.fencingToken}`)
await next.release()

// A holder that stalls past its TTL loses the lock: its signal aborts, and the fencing
// token makes its late write harmless.
const stalled = await kit.locks.acquire('payout:7', { ttl: 50 })
await new Promise((resolve) => setTimeout(resolve, 100)) // a long GC pause, a slow disk...
const successor = await kit.locks.acquire('payout:7')
payouts.write('creator-7', 900, successor.fencingToken)
const lateWrite = payouts.write('creator-7', 100, stalled.fencingToken)
show('fencing', `stalled holder's signal fired: ${stalled.signal.aborted}, its late write accepted: ${lateWrite}`)
try {
  await stalled.release()
} catch (error) {
  if (!(error instanceof LockLostError)) throw error
  show('lost', `${error.code}: release never deletes the successor's lock (still held: ${await successor.isHeld()})`)
}
await successor.release()

// A long job keeps its lock: withLock extends it, and the signal tells the job to stop if
// it is lost anyway.
await kit.locks.withLock(
  'reindex',
  async (lock) => {
    await reindexCatalog({ signal: lock.signal })
  },
  { ttl: '30s' },
)

// A counting semaphore: at most 3 encoders at once, across every process.
const encoders = kit.locks.semaphore('video-encoder', { limit: 3, ttl: '2m' })
let running = 0
let peak = 0
await Promise.all(
  Array.from({ length: 8 }, (_, index) =>
    encoders.withPermit(
      async () => {
        running++
        peak = Math.max(peak, running)
        await encodeVideo(index)
        running--
      },
      { wait: '1m', retry: { initialDelay: 5, maxDelay: 20 } },
    ),
  ),
)
show('semaphore', `8 jobs, at most ${peak} at once`)

// For operators: see and clear a lock left by a holder known to be dead.
const orphan = await kit.locks.acquire('nightly-export', { ttl: '1h' })
const cleared = await kit.locks.forceRelease('nightly-export')
show('admin', `force-released: ${cleared}, holder notices on its next check: ${!(await orphan.isHeld())}`)

await kit.close()

async function reindexCatalog(options: { signal: AbortSignal }): Promise<void> {
  options.signal.throwIfAborted()
}

async function encodeVideo(index: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5 + (index % 3)))
}

function show(step: string, text: string): void {
  console.log(`${step.padEnd(10)}${text}`)
}
