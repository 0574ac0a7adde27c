/**
 * `rateLimit(kit, options)`: Express middleware over `kit.rateLimiter(policy)`. Thin: the
 * request names an identifier, the kit answers, the answer becomes headers and a 429.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { ValidationError } from '../../core/errors/index.js'
import type { RateLimitIdentifier } from '../../ratelimit/keys.js'
import type { RateLimitResult } from '../../ratelimit/result.js'
import type { AnyCachekit, PolicyOf } from '../shared/any-kit.js'
import { isHeaderStyle, rateLimitedBody, rateLimitHeaderFields, type RateLimitHeaderStyle } from '../shared/rate-limit-http.js'

/** Options of {@link rateLimit}. */
export interface RateLimitOptions<Kit extends AnyCachekit = AnyCachekit> {
  /**
   * The policy of the kit's `rateLimits` table.
   * @example 'api'
   */
  policy: PolicyOf<Kit>
  /**
   * Who is counted: a user id, an API key, an IP address.
   * @example (req) => req.user?.id ?? req.ip
   */
  key: (req: Request) => RateLimitIdentifier | Promise<RateLimitIdentifier>
  /**
   * How many units this request uses.
   * @default 1
   */
  cost?: number | ((req: Request) => number)
  /**
   * Answers a refused request instead of the default 429 JSON body (the rate-limit headers
   * and `Retry-After` are already set).
   * @default res.status(429).json({ error: 'Too Many Requests', policy, retryAfter })
   */
  onLimited?: (req: Request, res: Response, next: NextFunction, result: RateLimitResult) => void
  /**
   * Which rate-limit headers to send.
   * @default 'ietf'
   */
  headers?: RateLimitHeaderStyle
}

/**
 * Counts each request under `policy` and refuses those over the limit with `429 Too Many
 * Requests`, `Retry-After` and the IETF `RateLimit-Policy`/`RateLimit` headers. When Redis
 * is away the policy decides: `onError: 'allow'` (the default) lets requests through,
 * `'deny'` refuses them, an `insurance` limiter limits them per process. A failing `key`
 * or a bad identifier goes to `next(err)`.
 *
 * @throws {ValidationError} at setup, for an unknown policy or a bad option.
 * @example
 * app.post('/login', rateLimit(kit, { policy: 'login', key: (req) => String(req.body.email) }), login)
 */
export function rateLimit<Kit extends AnyCachekit>(kit: Kit, options: RateLimitOptions<Kit>): RequestHandler {
  if (typeof options?.key !== 'function') throw new ValidationError('rateLimit: key must be a function of the request')
  const headers = options.headers ?? 'ietf'
  if (!isHeaderStyle(headers)) throw new ValidationError(`rateLimit: headers must be 'ietf', 'draft-6' or false, got ${JSON.stringify(headers)}`)
  const limiter = kit.rateLimiter(options.policy)
  const { key, cost, onLimited } = options
  return function cachekitRateLimit(req: Request, res: Response, next: NextFunction): void {
    Promise.resolve()
      .then(async () => {
        const identifier = await key(req)
        const result = await limiter.limit(identifier, { cost: typeof cost === 'function' ? cost(req) : (cost ?? 1) })
        for (const [name, value] of rateLimitHeaderFields(result, limiter.policy, headers)) res.setHeader(name, value)
        if (result.allowed) return next()
        if (onLimited) return onLimited(req, res, next, result)
        res.status(429).json(rateLimitedBody(result, limiter.policy))
      })
      .catch(next)
  }
}
