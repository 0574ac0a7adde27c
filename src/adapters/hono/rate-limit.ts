/** `rateLimit(kit, options)`: Hono middleware over `kit.rateLimits.limiter(policy)`. Edge-safe. */
import type { Context, MiddlewareHandler } from 'hono'
import type { RateLimitResult } from '../../ratelimit/result.js'
import type { AnyCachekit } from '../shared/any-kit.js'
import type { FetchClientOptions } from '../shared/client-source.js'
import { fetchRateLimitCheck } from '../shared/fetch-rate-limit.js'
import type { RateLimitCheckOptions } from '../shared/rate-limit-check.js'

/**
 * Options of {@link rateLimit}: `key`, `cost` and `ip` receive Hono's `Context`. Without
 * `key` the client is counted by IP, which takes `ip` or `trustedHops`.
 */
export interface RateLimitOptions<Kit extends AnyCachekit = AnyCachekit>
  extends RateLimitCheckOptions<Context, Kit>,
    FetchClientOptions<Context> {
  /**
   * Answers a refused request instead of the default 429 JSON response.
   * @default a 429 with `{ error, policy, retryAfter }`, the rate-limit headers and `Retry-After`
   */
  onLimited?: (c: Context, result: RateLimitResult) => Response | Promise<Response>
}

/**
 * Counts each request under `policy`, refuses those over the limit with a 429 (or
 * `onLimited`'s answer), and adds the rate-limit headers to allowed responses. Without
 * `key` it counts by the client's IP (IPv6 by /56): the `X-Forwarded-For` entry of the
 * last of `trustedHops` proxies, else `ip(c)`. When Redis is away the policy decides
 * (`onError`, `insurance`). Errors, a missing key among them, reach Hono's `onError`.
 * Misconfigurations are reported once each as `warning` events on `kit.events`.
 *
 * @throws {ValidationError} at setup, for an unknown policy, a bad option, or no way to tell clients apart.
 * @example
 * import { getConnInfo } from '@hono/node-server/conninfo'
 * app.use('/api/*', rateLimit(kit, { policy: 'api', ip: (c) => getConnInfo(c).remote.address }))
 * @example
 * // Behind one proxy that appends to X-Forwarded-For (Cloudflare, a load balancer):
 * app.use('/api/*', rateLimit(kit, { policy: 'api', trustedHops: 1 }))
 */
export function rateLimit<Kit extends AnyCachekit>(kit: Kit, options: RateLimitOptions<Kit>): MiddlewareHandler {
  const limit = fetchRateLimitCheck(kit, options, (c: Context) => c.req.raw.headers)
  const { onLimited } = options
  return async function cachekitRateLimit(c, next) {
    const answer = await limit.check(c)
    if (answer === undefined) return next()
    const { result, fields } = answer
    if (!result.allowed) return onLimited ? onLimited(c, result) : limit.refusal(result, fields)
    await next()
    for (const [name, value] of fields) c.header(name, value)
  }
}
