/**
 * `@RateLimit('policy')`: a guard over `kit.rateLimiter(policy)`. A refused request gets
 * `429 Too Many Requests` (an `HttpException`, so exception filters see it) with
 * `Retry-After` and the IETF rate-limit headers.
 */
import { applyDecorators, HttpException, HttpStatus, Inject, Injectable, SetMetadata, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import { ValidationError } from '../../core/errors/index.js'
import type { RateLimitIdentifier } from '../../ratelimit/keys.js'
import type { AnyCachekit } from '../shared/any-kit.js'
import { RATE_LIMIT_MIDDLEWARE_DEFAULTS } from '../shared/rate-limit-check.js'
import { isHeaderStyle, rateLimitedBody, rateLimitHeaderFields, type RateLimitHeaderStyle } from '../shared/rate-limit-http.js'
import type { HttpRequest } from './cachekit.interceptor.js'
import { CACHEKIT_MODULE_OPTIONS, type CachekitModuleOptions } from './module-options.js'
import { CACHEKIT } from './tokens.js'

/** Options of {@link RateLimit}. */
export interface RateLimitOptions {
  /**
   * Who is counted.
   * @default the module's `http.user`, else `req.user?.id ?? req.user?.sub`, else `req.ip`
   * @example (req) => req.headers['x-api-key']
   */
  key?: (request: HttpRequest & { ip?: string }) => RateLimitIdentifier | Promise<RateLimitIdentifier>
  /**
   * How many units this request uses.
   * @default 1
   */
  cost?: number
  /**
   * Which rate-limit headers to send.
   * @default 'ietf'
   */
  headers?: RateLimitHeaderStyle
}

interface RateLimitMetadata extends RateLimitOptions {
  policy: string
}

interface HeaderSink {
  setHeader(name: string, value: string): void
}

const RATE_LIMIT = Symbol.for('cachekit.nestjs.rate-limit')

/**
 * Limits this route (or every route of this controller) by a policy of the kit's
 * `rateLimits` table. When Redis is away the policy decides (`onError`, `insurance`).
 *
 * @throws {ValidationError} at startup, for a bad header style.
 * @example
 * @Post('login') @RateLimit('login', { key: (req) => req.headers['x-forwarded-for'] as string }) login() { ... }
 */
export function RateLimit(policy: string, options: RateLimitOptions = {}): MethodDecorator & ClassDecorator {
  if (typeof policy !== 'string' || policy.length === 0) throw new ValidationError('@RateLimit: policy must be the name of a rate-limit policy')
  if (options.headers !== undefined && !isHeaderStyle(options.headers)) throw new ValidationError(`@RateLimit: headers must be 'ietf', 'draft-6' or false`)
  return applyDecorators(SetMetadata(RATE_LIMIT, { ...options, policy } satisfies RateLimitMetadata), UseGuards(CachekitRateLimitGuard))
}

/** The guard behind {@link RateLimit}; usable directly with `@UseGuards` next to `SetMetadata`. */
export class CachekitRateLimitGuard implements CanActivate {
  constructor(
    private readonly kit: AnyCachekit,
    private readonly reflector: Reflector,
    private readonly moduleOptions: CachekitModuleOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const metadata = this.reflector.getAllAndOverride<RateLimitMetadata | undefined>(RATE_LIMIT, [context.getHandler(), context.getClass()])
    if (metadata === undefined || context.getType() !== 'http') return true
    const http = context.switchToHttp()
    const request = http.getRequest<HttpRequest & { ip?: string }>()
    const limiter = this.kit.rateLimiter(metadata.policy)
    const identifier = await (metadata.key ?? ((req: HttpRequest & { ip?: string }) => this.defaultKey(req)))(request)
    const result = await limiter.limit(identifier, { cost: metadata.cost ?? RATE_LIMIT_MIDDLEWARE_DEFAULTS.cost })
    const response = http.getResponse<HeaderSink>()
    for (const [name, value] of rateLimitHeaderFields(result, limiter.policy, metadata.headers ?? RATE_LIMIT_MIDDLEWARE_DEFAULTS.headers)) response.setHeader(name, value)
    if (result.allowed) return true
    throw new HttpException(rateLimitedBody(result, limiter.policy), HttpStatus.TOO_MANY_REQUESTS)
  }

  private defaultKey(request: HttpRequest & { ip?: string }): RateLimitIdentifier {
    const who = this.moduleOptions.http?.user?.(request) ?? request.user?.id ?? request.user?.sub
    return who === undefined || who === null || who === '' ? (request.ip ?? 'unknown') : who
  }
}

Injectable()(CachekitRateLimitGuard)
Inject(CACHEKIT)(CachekitRateLimitGuard, undefined, 0)
Inject(Reflector)(CachekitRateLimitGuard, undefined, 1)
Inject(CACHEKIT_MODULE_OPTIONS)(CachekitRateLimitGuard, undefined, 2)
