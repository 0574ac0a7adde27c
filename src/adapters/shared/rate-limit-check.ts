/**
 * The rate-limit middlewares' shared part (Express, Next.js, Hono): option checks at
 * setup, then request -> identifier -> `limiter.limit` -> header fields. Edge-safe.
 */
import { ValidationError } from '../../core/errors/index.js'
import type { RateLimitIdentifier } from '../../ratelimit/keys.js'
import type { RateLimiter } from '../../ratelimit/rate-limiter.js'
import type { RateLimitResult } from '../../ratelimit/result.js'
import type { AnyCachekit, PolicyOf } from './any-kit.js'
import { isHeaderStyle, rateLimitedBody, rateLimitHeaderFields, type RateLimitHeaderStyle } from './rate-limit-http.js'

/** Options of the rate-limit middlewares; `Input` is what the framework hands them. */
export interface RateLimitCheckOptions<Input, Kit extends AnyCachekit = AnyCachekit> {
  /**
   * The policy of the kit's `rateLimits` table.
   * @example 'api'
   */
  policy: PolicyOf<Kit>
  /**
   * Who is counted: a user id, an API key, an IP address.
   * @example (request) => request.headers.get('x-forwarded-for')?.split(',')[0] ?? 'anonymous'
   */
  key: (input: Input) => RateLimitIdentifier | Promise<RateLimitIdentifier>
  /**
   * How many units this request uses.
   * @default 1
   */
  cost?: number | ((input: Input) => number)
  /**
   * Which rate-limit headers to send.
   * @default 'ietf'
   */
  headers?: RateLimitHeaderStyle
}

/** Defaults of every rate-limit middleware. */
export const RATE_LIMIT_MIDDLEWARE_DEFAULTS = Object.freeze({ headers: 'ietf' as RateLimitHeaderStyle, cost: 1 })

/** A checked set of options, with the policy's limiter. */
export interface RateLimitCheck<Input> {
  readonly limiter: RateLimiter
  /** Counts one request and answers with its result and header fields. */
  check(input: Input): Promise<{ result: RateLimitResult; fields: [string, string][] }>
  /** The default 429 as a web `Response`: JSON body, header fields and `Retry-After`. */
  refusal(result: RateLimitResult, fields: readonly [string, string][]): Response
}

/**
 * Resolves the options once, at setup.
 * @throws {ValidationError} for an unknown policy, a missing key function or a bad header style.
 */
export function rateLimitCheck<Input, Kit extends AnyCachekit>(kit: Kit, options: RateLimitCheckOptions<Input, Kit>): RateLimitCheck<Input> {
  if (typeof options?.key !== 'function') throw new ValidationError('rateLimit: key must be a function of the request')
  const style = options.headers ?? RATE_LIMIT_MIDDLEWARE_DEFAULTS.headers
  if (!isHeaderStyle(style)) throw new ValidationError(`rateLimit: headers must be 'ietf', 'draft-6' or false, got ${JSON.stringify(style)}`)
  const limiter = kit.rateLimiter(options.policy)
  const { key, cost } = options
  return {
    limiter,
    async check(input) {
      const identifier = await key(input)
      const result = await limiter.limit(identifier, { cost: typeof cost === 'function' ? cost(input) : (cost ?? RATE_LIMIT_MIDDLEWARE_DEFAULTS.cost) })
      return { result, fields: rateLimitHeaderFields(result, limiter.policy, style) }
    },
    refusal(result, fields) {
      const headers = new Headers(fields as [string, string][])
      headers.set('content-type', 'application/json')
      return new Response(JSON.stringify(rateLimitedBody(result, limiter.policy)), { status: 429, headers })
    },
  }
}
