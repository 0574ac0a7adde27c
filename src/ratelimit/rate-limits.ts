/**
 * The kit's rate limits: the policy table, checked at creation, and one limiter per policy.
 */
import { ValidationError } from '../core/errors/index.js'
import type { Driver } from '../drivers/driver.js'
import { memoryDriver } from '../drivers/memory/index.js'
import type { RateLimitIdentifier } from './keys.js'
import { RATE_LIMIT_DEFAULTS, resolvePolicies, type RateLimitPolicies } from './policy.js'
import { PolicyLimiter, type RateLimiter } from './rate-limiter.js'
import type { RateLimitCallOptions, RateLimitResult } from './result.js'
import { describeValue } from '../core/describe-value.js'

/** The names of a policy table's policies. */
export type RateLimitPolicyName<Limits> = Extract<keyof Limits, string>

/** `kit.rateLimits`: every policy of the table, by name. */
export interface RateLimits<Name extends string = string> {
  /** The policy names, in table order. */
  readonly policies: readonly Name[]
  /**
   * Checks and counts one request of `identifier` under `policy`.
   * @example const { allowed, retryAfterMs } = await kit.rateLimits.limit('login', email)
   */
  limit(policy: Name, identifier: RateLimitIdentifier, options?: RateLimitCallOptions): Promise<RateLimitResult>
  /**
   * As `limit`, but a denial rejects with `RateLimitExceededError`.
   * @example await kit.rateLimits.limitOrThrow('export', userId)
   */
  limitOrThrow(policy: Name, identifier: RateLimitIdentifier, options?: RateLimitCallOptions): Promise<RateLimitResult>
  /**
   * Answers as `limit` would, without counting.
   * @example const { remaining } = await kit.rateLimits.peek('api', userId)
   */
  peek(policy: Name, identifier: RateLimitIdentifier, options?: RateLimitCallOptions): Promise<RateLimitResult>
  /**
   * Forgets `identifier` under `policy`.
   * @example await kit.rateLimits.reset('login', email)
   */
  reset(policy: Name, identifier: RateLimitIdentifier): Promise<void>
  /**
   * The limiter of one policy.
   * @example const login = kit.rateLimits.limiter('login')
   */
  limiter(policy: Name): RateLimiter
  /** Releases the insurance limiter's memory. Idempotent; the kit calls it on `close()`. */
  close(): Promise<void>
}

/** What {@link createRateLimits} takes. */
export interface RateLimitsOptions {
  /** The kit's driver (behind its circuit breaker). */
  driver: Driver
  /** The kit's namespace prefix. */
  prefix: string
  /** The `rateLimits` table; checked here. */
  policies: RateLimitPolicies | undefined
  /** Reports a check answered without the driver. */
  onDegraded?: (event: { policy: string; operation: 'rate-limit' | 'rate-limit-peek'; error: unknown }) => void
}

/**
 * Checks the policy table and builds the limiters. Throws {@link ValidationError} for a
 * bad policy, so a typo fails at startup rather than on the first request.
 *
 * @example
 * const rateLimits = createRateLimits({ driver, prefix: 'app:', policies: { api: { algorithm: 'fixed-window', limit: 1000, window: '1h' } } })
 */
export function createRateLimits<Name extends string>(options: RateLimitsOptions): RateLimits<Name> {
  const resolved = resolvePolicies(options.policies)
  const needsInsurance = [...resolved.values()].some((policy) => policy.insuranceLimit !== undefined)
  const insurance = needsInsurance ? memoryDriver({ maxEntries: RATE_LIMIT_DEFAULTS.insuranceMaxKeys }) : undefined
  const limiters = new Map<string, PolicyLimiter>()
  for (const policy of resolved.values()) {
    limiters.set(
      policy.name,
      new PolicyLimiter({
        driver: options.driver,
        prefix: options.prefix,
        policy,
        insurance,
        onDegraded: (operation, error) => options.onDegraded?.({ policy: policy.name, operation, error }),
      }),
    )
  }
  const limiter = (policy: Name): RateLimiter => {
    const found = typeof policy === 'string' ? limiters.get(policy) : undefined
    if (found) return found
    const known = [...limiters.keys()].map((name) => `"${name}"`).join(', ') || 'none (pass rateLimits to createCachekit)'
    throw new ValidationError(`unknown rate limit policy ${describeValue(policy)}; the policies are ${known}`)
  }
  let closing: Promise<void> | undefined
  return {
    policies: [...limiters.keys()] as Name[],
    limit: async (policy, identifier, callOptions) => limiter(policy).limit(identifier, callOptions),
    limitOrThrow: async (policy, identifier, callOptions) => limiter(policy).limitOrThrow(identifier, callOptions),
    peek: async (policy, identifier, callOptions) => limiter(policy).peek(identifier, callOptions),
    reset: async (policy, identifier) => limiter(policy).reset(identifier),
    limiter,
    close: () => (closing ??= insurance?.close() ?? Promise.resolve()),
  }
}
