/**
 * `rateLimit(kit, options)`: Express middleware over `kit.rateLimits.limiter(policy)`. Thin: the
 * request names an identifier, the kit answers, the answer becomes headers and a 429.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { RateLimitResult } from '../../ratelimit/result.js'
import type { AnyCachekit } from '../shared/any-kit.js'
import { nodeRequestClient } from '../shared/client-source.js'
import { rateLimitCheck, type RateLimitCheckOptions } from '../shared/rate-limit-check.js'
import { rateLimitedBody } from '../shared/rate-limit-http.js'

/** Options of {@link rateLimit}: `key` and `cost` receive the Express request. */
export interface RateLimitOptions<Kit extends AnyCachekit = AnyCachekit> extends RateLimitCheckOptions<Request, Kit> {
  /**
   * Answers a refused request instead of the default 429 JSON body (the rate-limit headers
   * and `Retry-After` are already set).
   * @default res.status(429).json({ error: 'Too Many Requests', policy, retryAfter })
   */
  onLimited?: (req: Request, res: Response, next: NextFunction, result: RateLimitResult) => void
}

/**
 * Counts each request under `policy` and refuses those over the limit with `429 Too Many
 * Requests`, `Retry-After` and the IETF `RateLimit-Policy`/`RateLimit` headers. Without
 * `key` it counts by `req.ip`, so set Express's `trust proxy` to the number of proxies in
 * front of the app; IPv6 clients are counted by /56. When Redis is away the policy
 * decides: `onError: 'allow'` (the default) lets requests through, `'deny'` refuses them,
 * an `insurance` limiter limits them per process. A failing `key`, a missing key or a bad
 * identifier goes to `next(err)`. Misconfigurations are reported once each as `warning`
 * events on `kit.events`.
 *
 * @throws {ValidationError} at setup, for an unknown policy or a bad option.
 * @example
 * app.set('trust proxy', 1) // one load balancer in front
 * app.use('/api', rateLimit(kit, { policy: 'api' }))
 * app.post('/login', rateLimit(kit, { policy: 'login', key: (req) => String(req.body.email) }), login)
 */
export function rateLimit<Kit extends AnyCachekit>(kit: Kit, options: RateLimitOptions<Kit>): RequestHandler {
  const limit = rateLimitCheck(kit, options, nodeRequestClient)
  const { onLimited } = options
  return function cachekitRateLimit(req: Request, res: Response, next: NextFunction): void {
    limit
      .check(req)
      .then((answer) => {
        if (answer === undefined) return next()
        const { result, fields } = answer
        for (const [name, value] of fields) res.setHeader(name, value)
        if (result.allowed) return next()
        if (onLimited) return onLimited(req, res, next, result)
        res.status(429).json(rateLimitedBody(result, limit.limiter.policy))
      })
      .catch(next)
  }
}
