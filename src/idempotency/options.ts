import { parseDuration, type Duration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'

/** Options of `kit.idempotency` (`createCachekit({ idempotency })`), the defaults of every `run`. */
export interface IdempotencyOptions {
  /**
   * How long an outcome is remembered: duplicates within it get the stored outcome.
   * @default '24h'
   */
  ttl?: Duration
  /**
   * The in-progress lease: while a caller runs the operation it holds the key this long,
   * extended every third of it while the operation runs. If the caller dies, the key
   * frees itself after at most this long and a later caller may run the operation.
   * @default '30s'
   */
  lease?: Duration
  /**
   * How long a duplicate waits for a running caller to finish before it rejects with
   * `IdempotencyInProgressError`. `0` rejects at once.
   * @default '5s'
   */
  wait?: Duration
}

/** Options of one `kit.idempotency.run()`. */
export interface RunOptions extends IdempotencyOptions {
  /**
   * The request the key stands for (a body as string or bytes, or plain data). Its SHA-256
   * is stored with the key: a later call with the same key and another payload rejects with
   * `IdempotencyConflictError`. Plain data is hashed in a canonical form (object keys
   * sorted), so property order does not matter.
   * @default none: the key alone identifies the request
   * @example { payload: request.body }
   */
  payload?: unknown
  /**
   * Remember failures too, so duplicates get the same error without running the
   * operation again; or a predicate choosing which errors to remember (e.g. a declined
   * card, not a timeout). An error that is not remembered frees the key for a retry.
   * @default false
   * @example { storeErrors: (error) => error instanceof CardDeclinedError }
   */
  storeErrors?: boolean | ((error: unknown) => boolean)
}

/** Durations in milliseconds. */
export interface ResolvedIdempotencyOptions {
  readonly ttlMs: number
  readonly leaseMs: number
  readonly waitMs: number
}

/** The defaults of {@link IdempotencyOptions}. */
export const IDEMPOTENCY_DEFAULTS: ResolvedIdempotencyOptions = Object.freeze({ ttlMs: 86_400_000, leaseMs: 30_000, waitMs: 5_000 })

/**
 * Resolves options over `base` (the kit's, or {@link IDEMPOTENCY_DEFAULTS}).
 * @throws {ValidationError} for a malformed duration, or a TTL or lease of 0.
 */
export function resolveIdempotencyOptions(
  options: IdempotencyOptions = {},
  base: ResolvedIdempotencyOptions = IDEMPOTENCY_DEFAULTS,
): ResolvedIdempotencyOptions {
  if (typeof options !== 'object' || options === null) throw new ValidationError('idempotency options must be an object')
  const ttlMs = options.ttl === undefined ? base.ttlMs : parseDuration(options.ttl, 'idempotency ttl')
  const leaseMs = options.lease === undefined ? base.leaseMs : parseDuration(options.lease, 'idempotency lease')
  const waitMs = options.wait === undefined ? base.waitMs : parseDuration(options.wait, 'idempotency wait')
  if (ttlMs <= 0) throw new ValidationError('idempotency ttl must be more than 0')
  if (leaseMs < 3) throw new ValidationError('idempotency lease must be at least 3 ms')
  return Object.freeze({ ttlMs, leaseMs, waitMs })
}
