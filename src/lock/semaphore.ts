/**
 * A counting semaphore: at most `limit` holders at once. Each holder has a lease (a
 * member of one sorted set scored by its expiry on the Redis clock), so a crashed holder's
 * permit comes free when its lease runs out. Permits are `Lock`s: same release, extend,
 * isHeld, fencing token and loss signal.
 */
import { ValidationError } from '../core/errors/index.js'
import type { GiveBacks } from '../core/give-backs.js'
import type { Driver } from '../drivers/driver.js'
import { semaphoreAcquire } from '../scripts/semaphore-acquire.js'
import { semaphoreExtend } from '../scripts/semaphore-extend.js'
import { semaphoreRelease } from '../scripts/semaphore-release.js'
import { acquireLease, type LeaseSpec } from './acquire-lease.js'
import type { Lock } from './lock.js'
import type { LeaseKeys } from './lock-keys.js'
import {
  LOCK_DEFAULTS,
  resolveAcquireOptions,
  resolveLimit,
  resolveTtl,
  type AcquireOptions,
  type SemaphoreOptions,
  type WithLockOptions,
} from './options.js'
import { runHolding } from './run-holding.js'

/** What `kit.locks.semaphore(resource, { limit })` returns. */
export class Semaphore {
  /** The resource name. */
  readonly resource: string
  /** How many holders it admits at once. */
  readonly limit: number
  /** A permit's default TTL, in ms. */
  readonly ttlMs: number
  private readonly spec: LeaseSpec

  /** @internal Use `kit.locks.semaphore()`. */
  constructor(driver: Driver, giveBacks: GiveBacks, resource: string, keys: LeaseKeys, options: SemaphoreOptions) {
    if (typeof options !== 'object' || options === null) throw new ValidationError('semaphore options must be an object with a limit')
    this.resource = resource
    this.limit = resolveLimit(options.limit)
    this.ttlMs = options.ttl === undefined ? LOCK_DEFAULTS.ttlMs : resolveTtl(options.ttl, 'ttl')
    const limit = String(this.limit)
    const release = (token: string): Promise<boolean> => driver.eval(semaphoreRelease, [keys.key], [token])
    this.spec = {
      resource,
      attempt: (token, ttlMs) => driver.eval(semaphoreAcquire, [keys.key, keys.fenceKey], [token, limit, String(ttlMs)]),
      backend: {
        release,
        giveBack: (token, ttlMs) => giveBacks.giveBack(keys.key, token, ttlMs, () => release(token)),
        extend: (token, ttlMs) => driver.eval(semaphoreExtend, [keys.key], [token, String(ttlMs)]),
        check: (token) => driver.eval(semaphoreExtend, [keys.key], [token, '0']),
      },
    }
  }

  /**
   * Takes a permit, waiting up to `wait` for one to come free.
   *
   * @throws {LockNotAcquiredError} when all `limit` permits stayed taken for the whole wait.
   * @throws {DriverError} when Redis is unreachable (fails closed).
   * @example
   * const permit = await kit.locks.semaphore('video-encoder', { limit: 3 }).acquire({ wait: '30s' })
   * try { await encode(permit.signal) } finally { await permit.release() }
   */
  async acquire(options: AcquireOptions = {}): Promise<Lock> {
    return acquireLease(this.spec, resolveAcquireOptions(options, this.ttlMs))
  }

  /**
   * Runs `fn` holding a permit: extended while it runs, released afterwards (as
   * `kit.locks.withLock` does for a lock).
   *
   * @example
   * await encoders.withPermit(async (permit) => encode(video, { signal: permit.signal }), { wait: '1m' })
   */
  async withPermit<T>(fn: (permit: Lock) => Promise<T> | T, options: WithLockOptions = {}): Promise<T> {
    const resolved = resolveAcquireOptions(options, this.ttlMs)
    const permit = await acquireLease(this.spec, resolved)
    return runHolding(permit, fn, resolved.autoExtend ? Math.max(1, Math.floor(resolved.ttlMs / LOCK_DEFAULTS.extendDivisor)) : undefined)
  }
}
