/**
 * How a rate-limit answer looks on HTTP, for every adapter: the IETF RateLimit header
 * fields (draft-ietf-httpapi-ratelimit-headers, structured-field form), `Retry-After`, and
 * the 429 body. Edge-safe.
 */
import { quotaWindowMs, rateLimitHeaders } from '../../ratelimit/headers.js'
import type { ResolvedRateLimitPolicy } from '../../ratelimit/policy.js'
import type { RateLimitResult } from '../../ratelimit/result.js'

/**
 * Which rate-limit headers a response carries: `'ietf'` sends `RateLimit-Policy:
 * "api";q=100;w=60` and `RateLimit: "api";r=99;t=42` (the current IETF draft); `'draft-6'`
 * sends `RateLimit-Limit`, `-Remaining`, `-Reset` and `-Policy` (what express-rate-limit
 * calls draft-6); `false` sends none. `Retry-After` accompanies every 429 either way.
 */
export type RateLimitHeaderStyle = 'ietf' | 'draft-6' | false

/** The JSON body of a 429. */
export interface RateLimitedBody {
  error: 'Too Many Requests'
  policy: string
  /** Seconds until a retry can succeed (as in `Retry-After`). */
  retryAfter: number
}

/** The header fields for one answer, as [name, value] pairs. */
export function rateLimitHeaderFields(
  result: RateLimitResult,
  policy: ResolvedRateLimitPolicy,
  style: RateLimitHeaderStyle,
  nowMs = Date.now(),
): [string, string][] {
  const fields: [string, string][] = []
  if (style === 'draft-6') {
    for (const [name, value] of Object.entries(rateLimitHeaders(result, policy, nowMs))) fields.push([name, value])
    return fields
  }
  if (style === 'ietf') {
    const name = structuredString(policy.name)
    fields.push(['RateLimit-Policy', `${name};q=${policy.limit};w=${seconds(quotaWindowMs(policy))}`])
    fields.push(['RateLimit', `${name};r=${result.remaining};t=${seconds(Math.max(0, result.resetAt - nowMs))}`])
  }
  if (!result.allowed) fields.push(['Retry-After', String(retryAfterSeconds(result))])
  return fields
}

/** The 429 body. */
export function rateLimitedBody(result: RateLimitResult, policy: ResolvedRateLimitPolicy): RateLimitedBody {
  return { error: 'Too Many Requests', policy: policy.name, retryAfter: retryAfterSeconds(result) }
}

/** Checks the header style option once, at setup. */
export function isHeaderStyle(value: unknown): value is RateLimitHeaderStyle {
  return value === 'ietf' || value === 'draft-6' || value === false
}

function retryAfterSeconds(result: RateLimitResult): number {
  return Math.max(1, seconds(result.retryAfterMs))
}

// Seconds round up, so a client that waits them is never early.
function seconds(ms: number): number {
  return Math.ceil(ms / 1000)
}

/** An RFC 8941 sf-string: quoted, with `\` and `"` escaped; other non-printable characters dropped. */
function structuredString(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]/g, '').replace(/[\\"]/g, (char) => `\\${char}`)}"`
}
