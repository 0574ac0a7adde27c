/**
 * `rateLimit(kit, options)`: rate limiting for Next.js middleware (edge runtime, with the
 * Upstash driver) and route handlers. Edge-safe.
 */
import type { RateLimitResult } from '../../ratelimit/result.js'
import type { AnyCachekit } from '../shared/any-kit.js'
import type { FetchClientOptions } from '../shared/client-source.js'
import { fetchRateLimitCheck } from '../shared/fetch-rate-limit.js'
import type { RateLimitCheckOptions } from '../shared/rate-limit-check.js'

/**
 * Options of {@link rateLimit}: `key`, `cost` and `ip` receive the request. Without `key`
 * the client is counted by IP, which takes `trustedHops` or `ip`.
 */
export interface RateLimitOptions<R extends Request = Request, Kit extends AnyCachekit = AnyCachekit>
  extends RateLimitCheckOptions<R, Kit>,
    FetchClientOptions<R> {
  /**
   * Answers a refused request instead of the default 429 JSON response (add the headers
   * you want from `result`).
   * @default a 429 with `{ error, policy, retryAfter }`, the rate-limit headers and `Retry-After`
   */
  onLimited?: (request: R, result: RateLimitResult) => Response | Promise<Response>
}

/** What {@link rateLimit} returns: call it with the request, and what to answer when it is allowed. */
export type NextRateLimit<R extends Request = Request> = (
  request: R,
  onAllowed?: () => Response | Promise<Response>,
) => Promise<Response | undefined>

/**
 * Counts each request under `policy`. A refused request gets a 429 (or `onLimited`'s
 * answer). An allowed one gets `onAllowed()`'s response with the rate-limit headers added,
 * or `undefined` without `onAllowed`. Without `key` it counts by the client's IP (IPv6 by
 * /56): the `X-Forwarded-For` entry of the last of `trustedHops` proxies, else
 * `ip(request)`. When Redis is away the policy decides (`onError`, `insurance`). A
 * failing or missing key rejects. Misconfigurations are reported once each as `warning`
 * events on `kit.events`.
 *
 * @throws {ValidationError} at setup, for an unknown policy, a bad option, or no way to tell clients apart.
 * @example
 * // On Vercel, or behind one proxy that appends to X-Forwarded-For:
 * const limit = rateLimit(kit, { policy: 'api', trustedHops: 1 })
 * export function middleware(request: NextRequest) {
 *   return limit(request, () => NextResponse.next())
 * }
 */
export function rateLimit<R extends Request, Kit extends AnyCachekit>(kit: Kit, options: RateLimitOptions<R, Kit>): NextRateLimit<R> {
  const limit = fetchRateLimitCheck(kit, options, (request: R) => request.headers)
  const { onLimited } = options
  return async function cachekitRateLimit(request, onAllowed) {
    const answer = await limit.check(request)
    if (answer === undefined) return onAllowed === undefined ? undefined : onAllowed()
    const { result, fields } = answer
    if (!result.allowed) return onLimited ? onLimited(request, result) : limit.refusal(result, fields)
    if (onAllowed === undefined) return undefined
    return withHeaders(await onAllowed(), fields)
  }
}

function withHeaders(response: Response, fields: readonly [string, string][]): Response {
  try {
    for (const [name, value] of fields) response.headers.set(name, value)
    return response
  } catch {
    // A fetched response's headers are immutable: answer a copy.
    const copy = new Response(response.body, response)
    for (const [name, value] of fields) copy.headers.set(name, value)
    return copy
  }
}
