/**
 * HTTP headers for a rate-limit answer, as the IETF RateLimit header draft (version 6,
 * the `standardHeaders: 'draft-6'` of express-rate-limit) and `Retry-After` describe them.
 */
import type { ResolvedRateLimitPolicy } from './policy.js'
import type { RateLimitResult } from './result.js'

/**
 * Headers for a response: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
 * (seconds), `RateLimit-Policy` (`limit;w=seconds`) and, when denied, `Retry-After` (seconds).
 * Seconds round up, so a client that waits them is never early.
 *
 * @example
 * const result = await kit.rateLimits.limit('api', userId)
 * for (const [name, value] of Object.entries(rateLimitHeaders(result, kit.rateLimits.limiter('api').policy))) res.setHeader(name, value)
 */
export function rateLimitHeaders(
  result: RateLimitResult,
  policy: Pick<ResolvedRateLimitPolicy, 'algorithm' | 'limit' | 'windowMs' | 'refillRate'>,
  nowMs = Date.now(),
): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Policy': `${policy.limit};w=${seconds(quotaWindowMs(policy))}`,
    'RateLimit-Limit': String(result.limit),
    'RateLimit-Remaining': String(result.remaining),
    'RateLimit-Reset': String(seconds(Math.max(0, result.resetAt - nowMs))),
  }
  if (!result.allowed) headers['Retry-After'] = String(Math.max(1, seconds(result.retryAfterMs)))
  return headers
}

/**
 * The time over which `limit` applies: the window, or how long an empty token bucket takes to fill.
 *
 * @example quotaWindowMs({ algorithm: 'token-bucket', limit: 10, refillRate: 3, windowMs: 1000 }) // 4000
 */
export function quotaWindowMs(policy: Pick<ResolvedRateLimitPolicy, 'algorithm' | 'limit' | 'windowMs' | 'refillRate'>): number {
  if (policy.algorithm !== 'token-bucket') return policy.windowMs
  return Math.ceil(policy.limit / (policy.refillRate as number)) * policy.windowMs
}

function seconds(ms: number): number {
  return Math.ceil(ms / 1000)
}
