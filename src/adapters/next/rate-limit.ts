/**
 * `rateLimit(kit, options)`: rate limiting for Next.js middleware (edge runtime, with the
 * Upstash driver) and route handlers. Edge-safe.
 */
import type { RateLimitResult } from '../../ratelimit/result.js'
import type { AnyCachekit } from '../shared/any-kit.js'
import { rateLimitCheck, type RateLimitCheckOptions } from '../shared/rate-limit-check.js'

/** Options of {@link rateLimit}: `key` and `cost` receive the request. */
export interface RateLimitOptions<R extends Request = Request, Kit extends AnyCachekit = AnyCachekit> extends RateLimitCheckOptions<R, Kit> {
  /**
   * Answers a refused request instead of the default 429 JSON response (add the headers
   * you want from `result`).
   * @default a 429 with `{ error, policy, retryAfter }`, the rate-limit headers and `Retry-After`
   */
  onLimited?: (request: R, result: RateLimitResult) => Response | Promise<Response>
}

/** What {@link rateLimit} returns: call it with the request, and what to answer when it is allowed. */
export type NextRateLimit<R extends Request = Request> = (request: R, onAllowed?: () => Response | Promise<Response>) => Promise<Response | undefined>

/**
 * Counts each request under `policy`. A refused request gets a 429 (or `onLimited`'s
 * answer). An allowed one gets `onAllowed()`'s response with the rate-limit headers added,
 * or `undefined` without `onAllowed`. When Redis is away the policy decides (`onError`,
 * `insurance`). A failing `key` rejects.
 *
 * @throws {ValidationError} at setup, for an unknown policy or a bad option.
 * @example
 * const limit = rateLimit(kit, { policy: 'api', key: (request) => request.headers.get('x-forwarded-for') ?? 'anonymous' })
 * export function middleware(request: NextRequest) {
 *   return limit(request, () => NextResponse.next())
 * }
 */
export function rateLimit<R extends Request, Kit extends AnyCachekit>(kit: Kit, options: RateLimitOptions<R, Kit>): NextRateLimit<R> {
  const limit = rateLimitCheck(kit, options)
  const { onLimited } = options
  return async function cachekitRateLimit(request, onAllowed) {
    const { result, fields } = await limit.check(request)
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
