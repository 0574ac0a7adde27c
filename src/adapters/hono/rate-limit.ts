/** `rateLimit(kit, options)`: Hono middleware over `kit.rateLimiter(policy)`. Edge-safe. */
import type { Context, MiddlewareHandler } from 'hono'
import type { RateLimitResult } from '../../ratelimit/result.js'
import type { AnyCachekit } from '../shared/any-kit.js'
import { rateLimitCheck, type RateLimitCheckOptions } from '../shared/rate-limit-check.js'

/** Options of {@link rateLimit}: `key` and `cost` receive Hono's `Context`. */
export interface RateLimitOptions<Kit extends AnyCachekit = AnyCachekit> extends RateLimitCheckOptions<Context, Kit> {
  /**
   * Answers a refused request instead of the default 429 JSON response.
   * @default a 429 with `{ error, policy, retryAfter }`, the rate-limit headers and `Retry-After`
   */
  onLimited?: (c: Context, result: RateLimitResult) => Response | Promise<Response>
}

/**
 * Counts each request under `policy`, refuses those over the limit with a 429 (or
 * `onLimited`'s answer), and adds the rate-limit headers to allowed responses. When Redis
 * is away the policy decides (`onError`, `insurance`). Errors reach Hono's `onError`.
 *
 * @throws {ValidationError} at setup, for an unknown policy or a bad option.
 * @example
 * app.use('/api/*', rateLimit(kit, { policy: 'api', key: (c) => c.req.header('x-api-key') ?? 'anonymous' }))
 */
export function rateLimit<Kit extends AnyCachekit>(kit: Kit, options: RateLimitOptions<Kit>): MiddlewareHandler {
  const limit = rateLimitCheck(kit, options)
  const { onLimited } = options
  return async function cachekitRateLimit(c, next) {
    const { result, fields } = await limit.check(c)
    if (!result.allowed) return onLimited ? onLimited(c, result) : limit.refusal(result, fields)
    await next()
    for (const [name, value] of fields) c.header(name, value)
  }
}
