/**
 * `kit.locks`: distributed locks with fencing tokens, auto-extension and a loss signal,
 * and counting semaphores. Locks fail closed: with Redis unreachable, acquiring rejects
 * with a `DriverError`; it never pretends.
 */
import { ValidationError } from '../core/errors/index.js'
import { GiveBacks } from '../core/give-backs.js'
import type { Driver } from '../drivers/driver.js'
import type { ParamValue } from '../keys/escape.js'
import { acquireLease } from './acquire-lease.js'
import type { Lock } from './lock.js'
import { lockKeys, semaphoreKeys } from './lock-keys.js'
import { lockLease } from './lock-lease.js'
import { LOCK_DEFAULTS, resolveAcquireOptions, type AcquireOptions, type SemaphoreOptions, type WithLockOptions } from './options.js'
import { runHolding } from './run-holding.js'
import { Semaphore } from './semaphore.js'

/** A lock's name: a string or number, escaped into the key (any text is safe). */
export type LockResource = ParamValue

/** The lock service of a kit. */
export class Locks {
  /** Releases that could not be sent, and acquires whose fate is unknown, waiting to be given back. */
  private readonly giveBacks = new GiveBacks()

  /** @internal Use `kit.locks`. */
  constructor(
    private readonly driver: Driver,
    private readonly prefix: string,
  ) {}

  /**
   * Acquires the lock on `resource`: SET NX PX with a random owner token, and a fencing
   * token from the same script (one round trip per attempt). Waits up to `wait`, retrying
   * with exponential backoff and jitter.
   *
   * @throws {LockNotAcquiredError} when another owner held it for the whole wait.
   * @throws {DriverError} when Redis is unreachable or times out (locks fail closed).
   * @throws {ValidationError} for a bad resource or options.
   * @example
   * const lock = await kit.locks.acquire('payout:42', { ttl: '1m', wait: '5s' })
   * try {
   *   await ledger.write(entry, { fencingToken: lock.fencingToken })
   * } finally {
   *   await lock.release()
   * }
   */
  async acquire(resource: LockResource, options: AcquireOptions = {}): Promise<Lock> {
    const resolved = resolveAcquireOptions(options)
    const keys = lockKeys(this.prefix, resource)
    return acquireLease(lockLease(this.driver, this.giveBacks, String(resource), keys), resolved)
  }

  /**
   * Runs `fn` holding the lock on `resource`: acquires it (as {@link acquire}), extends it
   * every third of its TTL while `fn` runs, and releases it when `fn` settles. If the lock
   * is lost meanwhile, `lock.signal` aborts; `fn` should stop. Resolves `fn`'s result.
   *
   * @throws {LockNotAcquiredError}, {DriverError}: as {@link acquire}; `fn` did not run.
   * @throws {LockLostError} when `fn` finished but the lock had been lost while it ran.
   * @throws whatever `fn` throws (the lock is released first).
   * @example
   * await kit.locks.withLock(`royalty-run:${runId}`, async (lock) => {
   *   await computeRoyalties(runId, { signal: lock.signal, fencingToken: lock.fencingToken })
   * }, { ttl: '5m' })
   */
  async withLock<T>(resource: LockResource, fn: (lock: Lock) => Promise<T> | T, options: WithLockOptions = {}): Promise<T> {
    if (typeof fn !== 'function') throw new ValidationError('withLock needs a function to run')
    const resolved = resolveAcquireOptions(options)
    const keys = lockKeys(this.prefix, resource)
    const lock = await acquireLease(lockLease(this.driver, this.giveBacks, String(resource), keys), resolved)
    return runHolding(lock, fn, resolved.autoExtend ? Math.max(1, Math.floor(resolved.ttlMs / LOCK_DEFAULTS.extendDivisor)) : undefined)
  }

  /**
   * Whether anyone holds the lock on `resource` right now.
   * @example if (await kit.locks.isLocked('royalty-run:7')) return 'already running'
   */
  async isLocked(resource: LockResource): Promise<boolean> {
    return (await this.driver.exists([lockKeys(this.prefix, resource).key])) > 0
  }

  /**
   * Deletes the lock on `resource` whoever holds it: for operators clearing a lock left by
   * a holder known to be dead. The holder, if alive, learns at its next extend or release
   * (its signal aborts); the fencing counter is kept, so the next holder's token is still
   * larger. Resolves whether a lock was there.
   * @example await kit.locks.forceRelease('royalty-run:7')
   */
  async forceRelease(resource: LockResource): Promise<boolean> {
    return (await this.driver.del([lockKeys(this.prefix, resource).key])) > 0
  }

  /**
   * A counting semaphore on `resource`: at most `limit` holders at once.
   *
   * @throws {ValidationError} for a limit outside 1..10 000 or a bad TTL.
   * @example
   * const encoders = kit.locks.semaphore('video-encoder', { limit: 3, ttl: '2m' })
   * await encoders.withPermit(() => encode(video), { wait: '1m' })
   */
  semaphore(resource: LockResource, options: SemaphoreOptions): Semaphore {
    // The keys first: building them checks the resource (String() of a null-prototype object throws).
    const keys = semaphoreKeys(this.prefix, resource)
    return new Semaphore(this.driver, this.giveBacks, String(resource), keys, options)
  }

  /** @internal Stops giving back leases (the kit's `close()` calls it, before closing the driver). */
  close(): void {
    this.giveBacks.close()
  }
}
