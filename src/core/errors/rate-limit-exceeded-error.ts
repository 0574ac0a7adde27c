import { CachekitError, type CachekitErrorOptions } from './cachekit-error.js'

/** The fields of a denied rate-limit answer that {@link RateLimitExceededError} carries. */
export interface RateLimitExceededDetails {
  readonly limit: number
  readonly remaining: number
  readonly resetAt: number
  readonly retryAfterMs: number
  readonly degraded?: boolean
  readonly blocked?: boolean
}

/**
 * A rate limit refused the request: thrown by `kit.rateLimits.limitOrThrow()` (`kit.rateLimits.limit()`
 * returns the denial as a value instead). Carries the answer's fields, so a handler can
 * set `Retry-After` from `retryAfterMs`. The identifier is not in the message (it is often
 * an e-mail or an IP address, which logs should not collect by accident).
 */
export class RateLimitExceededError extends CachekitError {
  override readonly code = 'RATE_LIMIT_EXCEEDED' as const
  override readonly name = 'RateLimitExceededError' as const
  /** The policy that refused. */
  readonly policy: string
  readonly limit: number
  readonly remaining: number
  /** Epoch ms when the quota is whole again. */
  readonly resetAt: number
  /** How long until a request of the same cost can succeed. */
  readonly retryAfterMs: number
  /** The answer came without the driver (insurance limiter or `onError: 'deny'`). */
  readonly degraded: boolean
  /** Refused by a `blockFor` penalty. */
  readonly blocked: boolean

  constructor(policy: string, details: RateLimitExceededDetails, options?: CachekitErrorOptions) {
    super(
      `rate limit "${policy}" exceeded${details.blocked ? ' (blocked)' : ''}; retry in ${Math.ceil(details.retryAfterMs / 1000)} s`,
      options,
    )
    this.policy = policy
    this.limit = details.limit
    this.remaining = details.remaining
    this.resetAt = details.resetAt
    this.retryAfterMs = details.retryAfterMs
    this.degraded = details.degraded === true
    this.blocked = details.blocked === true
  }
}
