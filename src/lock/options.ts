/**
 * Options of locks and semaphores, their defaults (one frozen object) and the one
 * function that resolves them. Human durations are parsed here, once.
 */
import { parseDuration, type Duration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'

/** How `acquire` spaces its attempts while it waits: exponential backoff with jitter. */
export interface RetryOptions {
  /**
   * The delay before the second attempt; each later delay is `factor` times the last,
   * up to `maxDelay`. Each delay is jittered to between half and all of its value, so
   * waiters that collided once do not collide again.
   * @default 25 (ms)
   */
  initialDelay?: Duration
  /**
   * The longest delay between two attempts.
   * @default 500 (ms)
   */
  maxDelay?: Duration
  /**
   * How much each delay grows.
   * @default 2
   */
  factor?: number
}

/** Options of `kit.locks.acquire` and `semaphore.acquire`. */
export interface AcquireOptions {
  /**
   * How long the lock lives unless extended: it expires by itself this long after it was
   * taken, so a crashed holder cannot block others forever. Millisecond precision.
   * @default '30s' for locks; the semaphore's `ttl` for permits
   * @example '5m'
   */
  ttl?: Duration
  /**
   * How long to keep trying while another owner holds it; `0` tries once. After that,
   * `LockNotAcquiredError`.
   * @default 0
   * @example '10s'
   */
  wait?: Duration
  /** Backoff between attempts while waiting. */
  retry?: RetryOptions
}

/** Options of `kit.locks.withLock` and `semaphore.withPermit`. */
export interface WithLockOptions extends AcquireOptions {
  /**
   * Extend the lock every third of its `ttl` while the function runs, so a long job keeps
   * it. If an extension finds the lock gone, or none succeeds before the TTL runs out,
   * `lock.signal` aborts with `LockLostError`.
   * @default true
   */
  autoExtend?: boolean
}

/** Options of `kit.locks.semaphore`. */
export interface SemaphoreOptions {
  /**
   * How many holders may hold a permit at once.
   * @example 3
   */
  limit: number
  /**
   * How long a permit lives unless extended (a crashed holder's permit comes free then).
   * @default '30s'
   */
  ttl?: Duration
}

/** Defaults of every lock option. */
export const LOCK_DEFAULTS = Object.freeze({
  ttlMs: 30_000,
  waitMs: 0,
  initialDelayMs: 25,
  maxDelayMs: 500,
  factor: 2,
  autoExtend: true,
  /** withLock extends every `ttl / extendDivisor`: two more tries before expiry if one fails. */
  extendDivisor: 3,
})

/** The largest TTL: what a timer can wait for (about 24.8 days). */
export const MAX_LOCK_TTL_MS = 2_147_483_647
/** The largest semaphore limit: the script's cleanup work is bounded by it. */
export const MAX_SEMAPHORE_LIMIT = 10_000

/** Options with every default applied, in milliseconds. */
export interface ResolvedAcquireOptions {
  readonly ttlMs: number
  readonly waitMs: number
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  readonly factor: number
  readonly autoExtend: boolean
}

/**
 * Resolves acquire options over `fallbackTtlMs` (the lock default or the semaphore's ttl).
 *
 * @throws {ValidationError} for a zero, negative or too long TTL, a negative wait, or bad backoff numbers.
 */
export function resolveAcquireOptions(options: WithLockOptions = {}, fallbackTtlMs: number = LOCK_DEFAULTS.ttlMs): ResolvedAcquireOptions {
  if (typeof options !== 'object' || options === null) throw new ValidationError('lock options must be an object')
  const ttlMs = options.ttl === undefined ? fallbackTtlMs : resolveTtl(options.ttl, 'ttl')
  const waitMs = parseDuration(options.wait ?? LOCK_DEFAULTS.waitMs, 'wait')
  const retry = options.retry ?? {}
  const initialDelayMs = Math.max(1, parseDuration(retry.initialDelay ?? LOCK_DEFAULTS.initialDelayMs, 'retry.initialDelay'))
  const maxDelayMs = Math.max(initialDelayMs, parseDuration(retry.maxDelay ?? LOCK_DEFAULTS.maxDelayMs, 'retry.maxDelay'))
  const factor = retry.factor ?? LOCK_DEFAULTS.factor
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1)
    throw new ValidationError(`retry.factor must be a finite number >= 1, got ${String(factor)}`)
  const autoExtend = options.autoExtend ?? LOCK_DEFAULTS.autoExtend
  if (typeof autoExtend !== 'boolean') throw new ValidationError('autoExtend must be a boolean')
  return { ttlMs, waitMs, initialDelayMs, maxDelayMs, factor, autoExtend }
}

/** Parses a lock or permit TTL: positive and at most {@link MAX_LOCK_TTL_MS}. */
export function resolveTtl(ttl: Duration, what: string): number {
  const ttlMs = parseDuration(ttl, what)
  if (ttlMs <= 0 || ttlMs > MAX_LOCK_TTL_MS)
    throw new ValidationError(`${what} must be between 1 ms and ${MAX_LOCK_TTL_MS} ms, got ${ttlMs}`)
  return ttlMs
}

/** Checks a semaphore limit. */
export function resolveLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_SEMAPHORE_LIMIT) {
    throw new ValidationError(`semaphore limit must be an integer from 1 to ${MAX_SEMAPHORE_LIMIT}, got ${String(limit)}`)
  }
  return limit
}
