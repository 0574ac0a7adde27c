/**
 * The rate-limit middlewares' shared part (Express, Next.js, Hono): option checks at
 * setup, then request -> identifier -> `limiter.limit` -> header fields. Edge-safe.
 */
import { ValidationError } from '../../core/errors/index.js'
import type { RateLimiter } from '../../ratelimit/rate-limiter.js'
import type { RateLimitResult } from '../../ratelimit/result.js'
import type { AnyCachekit, PolicyOf } from './any-kit.js'
import type { ClientSource } from './client-source.js'
import { isHeaderStyle, rateLimitedBody, rateLimitHeaderFields, type RateLimitHeaderStyle } from './rate-limit-http.js'
import { rateLimitKey, type RateLimitKeyOptions } from './rate-limit-key.js'

/** Options of the rate-limit middlewares; `Input` is what the framework hands them. */
export interface RateLimitCheckOptions<Input, Kit extends AnyCachekit = AnyCachekit> extends RateLimitKeyOptions<Input> {
  /**
   * The policy of the kit's `rateLimits` table.
   * @example 'api'
   */
  policy: PolicyOf<Kit>
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

/** A counted request: its result and the header fields to send. */
export interface RateLimitAnswer {
  result: RateLimitResult
  fields: [string, string][]
}

/** A checked set of options, with the policy's limiter. */
export interface RateLimitCheck<Input> {
  readonly limiter: RateLimiter
  /**
   * Counts one request and answers with its result and header fields; `undefined` for a
   * request without a key that `onMissingKey: 'allow'` lets through uncounted.
   * @throws {ValidationError} for a missing key under `onMissingKey: 'error'`, or a bad identifier.
   */
  check(input: Input): Promise<RateLimitAnswer | undefined>
  /** The default 429 as a web `Response`: JSON body, header fields and `Retry-After`. */
  refusal(result: RateLimitResult, fields: readonly [string, string][]): Response
}

/**
 * Resolves the options once, at setup; `client` says where the framework keeps the
 * client's address (the default key).
 * @throws {ValidationError} for an unknown policy, a bad key option or a bad header style.
 */
export function rateLimitCheck<Input, Kit extends AnyCachekit>(
  kit: Kit,
  options: RateLimitCheckOptions<Input, Kit>,
  client: ClientSource<Input>,
): RateLimitCheck<Input> {
  if (options === null || typeof options !== 'object') throw new ValidationError('rateLimit: options must be an object with a policy')
  const style = options.headers ?? RATE_LIMIT_MIDDLEWARE_DEFAULTS.headers
  if (!isHeaderStyle(style))
    throw new ValidationError(`rateLimit: headers must be 'ietf', 'draft-6' or false, got ${JSON.stringify(style)}`)
  const limiter = kit.rateLimits.limiter(options.policy)
  const who = rateLimitKey(kit, limiter.policy.name, options, client, 'rateLimit')
  const { cost } = options
  return {
    limiter,
    async check(input) {
      const identifier = await who.identify(input)
      if (identifier === undefined) return undefined
      const result = await limiter.limit(identifier, {
        cost: typeof cost === 'function' ? cost(input) : (cost ?? RATE_LIMIT_MIDDLEWARE_DEFAULTS.cost),
      })
      return { result, fields: rateLimitHeaderFields(result, limiter.policy, style) }
    },
    refusal(result, fields) {
      const headers = new Headers(fields as [string, string][])
      headers.set('content-type', 'application/json')
      return new Response(JSON.stringify(rateLimitedBody(result, limiter.policy)), { status: 429, headers })
    },
  }
}
