/**
 * The acquisition loop shared by locks and semaphores: try, and while another owner
 * holds the lease, back off and try again until `wait` runs out. Contention ends in
 * `LockNotAcquiredError`; any driver failure ends it at once (locks fail closed).
 */
import { DriverError, LockNotAcquiredError } from '../core/errors/index.js'
import { backoffDelay, sleep } from './backoff.js'
import { HeldLock, type LeaseBackend } from './lock.js'
import type { ResolvedAcquireOptions } from './options.js'

/** One attempt's answer. */
export type AttemptReply = { acquired: true; fencingToken: number } | { acquired: false; remainingMs: number | undefined }

/** What {@link acquireLease} runs. */
export interface LeaseSpec {
  resource: string
  /** One atomic attempt to take the lease for `token` for `ttlMs`. */
  attempt(token: string, ttlMs: number): Promise<AttemptReply>
  backend: LeaseBackend
}

/**
 * Acquires a lease, retrying with backoff until `options.waitMs` has passed.
 *
 * @throws {LockNotAcquiredError} when another owner held it for the whole wait.
 * @throws {DriverError} (and its subclasses) as soon as the driver fails.
 */
export async function acquireLease(spec: LeaseSpec, options: ResolvedAcquireOptions): Promise<HeldLock> {
  const token = globalThis.crypto.randomUUID()
  const startedAtMs = Date.now()
  const deadlineMs = startedAtMs + options.waitMs
  for (let attempt = 0; ; attempt++) {
    const sentAtMs = Date.now()
    const reply = await spec.attempt(token, options.ttlMs).catch((error: unknown) => {
      // A failed attempt may still have taken the lease (a timeout or a dropped connection
      // says nothing of its fate): give it back, kept and retried while the driver refuses,
      // so it does not block everyone for a whole TTL. The caller gets the failure.
      if (error instanceof DriverError) spec.backend.giveBack(token, options.ttlMs)
      throw error
    })
    if (reply.acquired) {
      return new HeldLock({
        resource: spec.resource,
        token,
        fencingToken: reply.fencingToken,
        ttlMs: options.ttlMs,
        sentAtMs,
        backend: spec.backend,
      })
    }
    const now = Date.now()
    if (now >= deadlineMs) throw new LockNotAcquiredError(spec.resource, now - startedAtMs, { retryAfterMs: reply.remainingMs })
    await sleep(Math.min(backoffDelay(attempt, options), deadlineMs - now))
  }
}
