/** What a rate-limit check answers, and what a call may say about itself. */

/**
 * The answer of `kit.rateLimits.limit()`. A denial is a value, not an error (`limitOrThrow`
 * turns it into a `RateLimitExceededError` carrying the same fields).
 */
export interface RateLimitResult {
  /** The request may proceed; it has been counted (peek: it would be allowed). */
  readonly allowed: boolean
  /** The policy's limit (the insurance limit while degraded with insurance). */
  readonly limit: number
  /** Units left after this request (peek: left now). 0 while blocked. */
  readonly remaining: number
  /**
   * When the quota is whole again if nothing else is consumed: epoch ms on this process's
   * clock (the server's relative answer added to `Date.now()`, so host clock skew does not
   * shift it). Equal to now when nothing is used.
   */
  readonly resetAt: number
  /** How long until a request of the same cost can succeed; 0 when allowed. */
  readonly retryAfterMs: number
  /**
   * The driver failed and the answer came from the insurance limiter or the policy's
   * `onError`. Absent on normal answers.
   */
  readonly degraded?: boolean
  /** Denied by a `blockFor` penalty. Absent otherwise. */
  readonly blocked?: boolean
}

/** Options of one rate-limit call. */
export interface RateLimitCallOptions {
  /**
   * How many units this request uses: a positive integer, at most the policy's `limit`
   * (a larger cost could never succeed, so it is refused as a `ValidationError`).
   * @default 1
   * @example { cost: 5 } // an expensive export counts as five requests
   */
  cost?: number
}
