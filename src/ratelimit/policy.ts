/**
 * Rate-limit policies: what users write in `createCachekit({ rateLimits })`, the defaults,
 * and the one function that checks a policy and resolves it to milliseconds.
 */
import { parseDuration, type Duration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'
import { describeValue } from '../core/describe-value.js'

/** The algorithms a policy can use. */
export type RateLimitAlgorithmName = 'fixed-window' | 'sliding-window' | 'token-bucket' | 'sliding-log'

/** Options every policy takes, whatever its algorithm. */
export interface RateLimitPolicyBase {
  /**
   * How many units of cost are allowed: per window (fixed window, sliding window, sliding
   * log), or the bucket's capacity, i.e. the largest burst (token bucket). A positive
   * integer; at most 1,000,000,000 (10,000 for the sliding log, which stores every unit).
   * @example 1000
   */
  limit: number
  /**
   * After a denied request, deny the identifier for this long (a penalty, as
   * rate-limiter-flexible's `blockDuration`): every request is refused until the block
   * ends, whatever the algorithm says. Calls made while blocked do not extend it.
   * @default 0 (no penalty)
   * @example '15m'
   */
  blockFor?: Duration
  /**
   * The answer when the driver fails (Redis down, timeout, open circuit) and no
   * `insurance` limiter is configured: `'allow'` lets the request through, `'deny'`
   * refuses it. The result says `degraded: true` either way.
   * @default 'allow': a rate limiter protects capacity, and an outage of Redis must not
   * turn into an outage of the app. Use `'deny'` (or `insurance`) for limits that guard
   * security, such as login attempts.
   */
  onError?: 'allow' | 'deny'
  /**
   * An in-memory limiter that answers while the driver fails, so requests stay limited
   * per process instead of all allowed or all denied. `true` uses the policy's own `limit`
   * in every process; give `{ limit }` to divide it (e.g. by the number of processes).
   * When set it decides instead of `onError`.
   * @default false
   * @example { limit: 250 } // 1000 across four processes
   */
  insurance?: boolean | { limit?: number }
  /**
   * Remember identifiers this process has seen denied, and deny them again without a
   * round trip until they may retry. Saves Redis from floods by one identifier; bounded
   * (10,000 identifiers per policy). A `reset()` in another process is seen here once the
   * remembered denial ends.
   * @default true
   */
  blockCache?: boolean
}

/** A fixed window: `limit` per `window`, the window starting at an identifier's first request. */
export interface FixedWindowPolicy extends RateLimitPolicyBase {
  algorithm: 'fixed-window'
  /**
   * The window's length.
   * @example '1h'
   */
  window: Duration
}

/** A sliding window: the weighted-previous-window approximation of `limit` per any `window`. */
export interface SlidingWindowPolicy extends RateLimitPolicyBase {
  algorithm: 'sliding-window'
  /**
   * The window's length.
   * @example '15m'
   */
  window: Duration
}

/** A sliding log: exactly `limit` per any `window`; stores every unit, so for small limits. */
export interface SlidingLogPolicy extends RateLimitPolicyBase {
  algorithm: 'sliding-log'
  /**
   * The window's length.
   * @example '1m'
   */
  window: Duration
}

/** A token bucket: bursts up to `limit`, refilled by `refillRate` tokens every `interval`. */
export interface TokenBucketPolicy extends RateLimitPolicyBase {
  algorithm: 'token-bucket'
  /**
   * Tokens added every `interval`: a positive integer, at most `limit`.
   * @example 10
   */
  refillRate: number
  /**
   * How often `refillRate` tokens are added.
   * @example '1s'
   */
  interval: Duration
}

/** One entry of the `rateLimits` table. */
export type RateLimitPolicy = FixedWindowPolicy | SlidingWindowPolicy | SlidingLogPolicy | TokenBucketPolicy

/** The `rateLimits` table: policy name to policy. */
export type RateLimitPolicies = Readonly<Record<string, RateLimitPolicy>>

/** A policy after validation, in milliseconds, with every default applied. */
export interface ResolvedRateLimitPolicy {
  readonly name: string
  readonly algorithm: RateLimitAlgorithmName
  readonly limit: number
  /** The window, or the token bucket's refill interval. */
  readonly windowMs: number
  /** Token bucket only. */
  readonly refillRate: number | undefined
  readonly blockForMs: number
  readonly onError: 'allow' | 'deny'
  /** The per-process limit of the insurance limiter, or undefined without one. */
  readonly insuranceLimit: number | undefined
  readonly blockCache: boolean
}

const DAY_MS = 86_400_000

/** Defaults and bounds of rate limiting. */
export const RATE_LIMIT_DEFAULTS = Object.freeze({
  blockForMs: 0,
  onError: 'allow' as const,
  insurance: false,
  blockCache: true,
  /** Identifiers remembered per policy by the block cache. */
  blockCacheMaxEntries: 10_000,
  /** Keys held by the insurance limiter of a kit (all policies together). */
  insuranceMaxKeys: 50_000,
  /** `retryAfterMs` of a degraded denial when the circuit breaker gives no better hint. */
  degradedRetryAfterMs: 1_000,
  maxLimit: 1_000_000_000,
  /** The sliding log stores each unit: this bounds its memory and the work of each call. */
  maxSlidingLogLimit: 10_000,
  maxWindowMs: 366 * DAY_MS,
  /** Longer identifiers are refused: hash them first. */
  maxIdentifierLength: 1024,
})

const ALGORITHMS: readonly RateLimitAlgorithmName[] = ['fixed-window', 'sliding-window', 'token-bucket', 'sliding-log']
const COMMON_OPTIONS = ['algorithm', 'limit', 'blockFor', 'onError', 'insurance', 'blockCache']
const OPTIONS: Readonly<Record<RateLimitAlgorithmName, readonly string[]>> = {
  'fixed-window': [...COMMON_OPTIONS, 'window'],
  'sliding-window': [...COMMON_OPTIONS, 'window'],
  'sliding-log': [...COMMON_OPTIONS, 'window'],
  'token-bucket': [...COMMON_OPTIONS, 'refillRate', 'interval'],
}
const POLICY_NAME = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * Checks the `rateLimits` table and resolves every policy. Throws {@link ValidationError}
 * naming the policy and option at fault.
 *
 * @example resolvePolicies({ login: { algorithm: 'sliding-window', limit: 5, window: '15m' } })
 */
export function resolvePolicies(table: unknown): Map<string, ResolvedRateLimitPolicy> {
  if (table === undefined) return new Map()
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new ValidationError(`rateLimits must be an object of policies, got ${describeValue(table)}`)
  }
  return new Map(Object.entries(table).map(([name, policy]) => [name, resolvePolicy(name, policy)]))
}

/**
 * Checks one policy and resolves it.
 *
 * @example resolvePolicy('api', { algorithm: 'fixed-window', limit: 1000, window: '1h' }).windowMs // 3_600_000
 */
export function resolvePolicy(name: string, policy: unknown): ResolvedRateLimitPolicy {
  if (!POLICY_NAME.test(name)) {
    throw new ValidationError(`rate limit policy name ${JSON.stringify(name)} must be 1 to 64 letters, digits, '_', '.' or '-'`)
  }
  const at = `rateLimits.${name}`
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy))
    throw new ValidationError(`${at} must be a policy object, got ${describeValue(policy)}`)
  const given = policy as Record<string, unknown>
  const algorithm = given.algorithm as RateLimitAlgorithmName
  if (!ALGORITHMS.includes(algorithm)) {
    throw new ValidationError(
      `${at}.algorithm must be one of ${ALGORITHMS.map((a) => `'${a}'`).join(', ')}, got ${describeValue(given.algorithm)}`,
    )
  }
  const unknown = Object.keys(given).filter((option) => !OPTIONS[algorithm].includes(option))
  if (unknown.length > 0) {
    throw new ValidationError(
      `${at} has unknown option(s) ${unknown.map((o) => `'${o}'`).join(', ')} for '${algorithm}'; it takes ${OPTIONS[algorithm].join(', ')}`,
    )
  }
  const maxLimit = algorithm === 'sliding-log' ? RATE_LIMIT_DEFAULTS.maxSlidingLogLimit : RATE_LIMIT_DEFAULTS.maxLimit
  const limit = positiveInteger(given.limit, `${at}.limit`, maxLimit)
  const windowMs = window(
    algorithm === 'token-bucket' ? given.interval : given.window,
    `${at}.${algorithm === 'token-bucket' ? 'interval' : 'window'}`,
  )
  const refillRate =
    algorithm === 'token-bucket'
      ? positiveInteger(given.refillRate, `${at}.refillRate`, limit, 'limit: the bucket never holds more than limit tokens')
      : undefined
  const blockForMs =
    given.blockFor === undefined ? RATE_LIMIT_DEFAULTS.blockForMs : parseDuration(given.blockFor as Duration, `${at}.blockFor`)
  if (blockForMs > RATE_LIMIT_DEFAULTS.maxWindowMs)
    throw new ValidationError(`${at}.blockFor must be at most 366 days, got ${blockForMs} ms`)
  const onError = given.onError ?? RATE_LIMIT_DEFAULTS.onError
  if (onError !== 'allow' && onError !== 'deny')
    throw new ValidationError(`${at}.onError must be 'allow' or 'deny', got ${describeValue(onError)}`)
  const blockCache = given.blockCache ?? RATE_LIMIT_DEFAULTS.blockCache
  if (typeof blockCache !== 'boolean') throw new ValidationError(`${at}.blockCache must be a boolean, got ${describeValue(blockCache)}`)
  return Object.freeze({
    name,
    algorithm,
    limit,
    windowMs,
    refillRate,
    blockForMs,
    onError,
    insuranceLimit: insuranceLimit(given.insurance, limit, at),
    blockCache,
  })
}

function insuranceLimit(insurance: unknown, limit: number, at: string): number | undefined {
  if (insurance === undefined || insurance === false) return undefined
  if (insurance === true) return limit
  if (typeof insurance !== 'object' || insurance === null || Array.isArray(insurance)) {
    throw new ValidationError(`${at}.insurance must be a boolean or { limit }, got ${describeValue(insurance)}`)
  }
  const unknown = Object.keys(insurance).filter((option) => option !== 'limit')
  if (unknown.length > 0)
    throw new ValidationError(`${at}.insurance has unknown option(s) ${unknown.map((o) => `'${o}'`).join(', ')}; it takes limit`)
  const given = (insurance as { limit?: unknown }).limit
  return given === undefined ? limit : positiveInteger(given, `${at}.insurance.limit`, limit, 'the policy limit')
}

function window(value: unknown, what: string): number {
  if (value === undefined) throw new ValidationError(`${what} is required (milliseconds or a duration such as '1m')`)
  const ms = parseDuration(value as Duration, what)
  if (ms <= 0) throw new ValidationError(`${what} must be positive, got ${describeValue(value)}`)
  if (ms > RATE_LIMIT_DEFAULTS.maxWindowMs) throw new ValidationError(`${what} must be at most 366 days, got ${ms} ms`)
  return ms
}

function positiveInteger(value: unknown, what: string, max: number, maxName = String(max)): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    throw new ValidationError(`${what} must be a positive integer, got ${describeValue(value)}`)
  if (value > max)
    throw new ValidationError(`${what} must be at most ${maxName === String(max) ? max : `${max} (${maxName})`}, got ${value}`)
  return value
}
