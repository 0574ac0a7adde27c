/**
 * `@RateLimit('policy')`: a guard over `kit.rateLimits.limiter(policy)`. A refused request gets
 * `429 Too Many Requests` (an `HttpException`, so exception filters see it) with
 * `Retry-After` and the IETF rate-limit headers.
 */
import {
  applyDecorators,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import { ValidationError } from '../../core/errors/index.js'
import type { AnyCachekit } from '../shared/any-kit.js'
import { nodeRequestClient, type NodeRequestLike } from '../shared/client-source.js'
import { RATE_LIMIT_MIDDLEWARE_DEFAULTS } from '../shared/rate-limit-check.js'
import { isHeaderStyle, rateLimitedBody, rateLimitHeaderFields, type RateLimitHeaderStyle } from '../shared/rate-limit-http.js'
import { checkKeyOptions, rateLimitKey, type RateLimitKey, type RateLimitKeyOptions } from '../shared/rate-limit-key.js'
import type { HttpRequest } from './cachekit.interceptor.js'
import { CACHEKIT_MODULE_OPTIONS, type CachekitModuleOptions } from './module-options.js'
import { CACHEKIT } from './tokens.js'

/** The request the guard reads: Nest's on Express (or Fastify). */
export type RateLimitRequest = HttpRequest & NodeRequestLike

/** Options of {@link RateLimit}. */
export interface RateLimitOptions extends RateLimitKeyOptions<RateLimitRequest> {
  /**
   * Who is counted. Anything the client sends unverified (an invented `X-Api-Key`) lets
   * one client count as many.
   * @default the module's `http.user`, else `req.user?.id ?? req.user?.sub`, else `ipKey(req.ip)` (set Express's `trust proxy` behind proxies)
   * @example (req) => req.user?.id ?? ipKey(req.ip)
   */
  key?: RateLimitKeyOptions<RateLimitRequest>['key']
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
 * `rateLimits` table, per user, else per client IP (`req.ip`, IPv6 by /56). A request
 * with no user and no IP is refused with a `ValidationError` unless `onMissingKey` is
 * `'allow'`. When Redis is away the policy decides (`onError`, `insurance`).
 *
 * @throws {ValidationError} at startup, for a bad option.
 * @example
 * @Post('login') @RateLimit('login', { key: (req) => req.user?.id }) login() { ... }
 */
export function RateLimit(policy: string, options: RateLimitOptions = {}): MethodDecorator & ClassDecorator {
  if (typeof policy !== 'string' || policy.length === 0)
    throw new ValidationError('@RateLimit: policy must be the name of a rate-limit policy')
  if (options.headers !== undefined && !isHeaderStyle(options.headers))
    throw new ValidationError(`@RateLimit: headers must be 'ietf', 'draft-6' or false`)
  checkKeyOptions(options, '@RateLimit')
  return applyDecorators(SetMetadata(RATE_LIMIT, { ...options, policy } satisfies RateLimitMetadata), UseGuards(CachekitRateLimitGuard))
}

/** The guard behind {@link RateLimit}; usable directly with `@UseGuards` next to `SetMetadata`. */
export class CachekitRateLimitGuard implements CanActivate {
  // One per decorator use: its warnings are reported once per limiter.
  private readonly keys = new WeakMap<RateLimitMetadata, RateLimitKey<RateLimitRequest>>()

  constructor(
    private readonly kit: AnyCachekit,
    private readonly reflector: Reflector,
    private readonly moduleOptions: CachekitModuleOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const metadata = this.reflector.getAllAndOverride<RateLimitMetadata | undefined>(RATE_LIMIT, [context.getHandler(), context.getClass()])
    if (metadata === undefined || context.getType() !== 'http') return true
    const http = context.switchToHttp()
    const limiter = this.kit.rateLimits.limiter(metadata.policy)
    const identifier = await this.keyOf(metadata).identify(http.getRequest<RateLimitRequest>())
    if (identifier === undefined) return true
    const result = await limiter.limit(identifier, { cost: metadata.cost ?? RATE_LIMIT_MIDDLEWARE_DEFAULTS.cost })
    const response = http.getResponse<HeaderSink>()
    for (const [name, value] of rateLimitHeaderFields(result, limiter.policy, metadata.headers ?? RATE_LIMIT_MIDDLEWARE_DEFAULTS.headers))
      response.setHeader(name, value)
    if (result.allowed) return true
    throw new HttpException(rateLimitedBody(result, limiter.policy), HttpStatus.TOO_MANY_REQUESTS)
  }

  private keyOf(metadata: RateLimitMetadata): RateLimitKey<RateLimitRequest> {
    let key = this.keys.get(metadata)
    if (key === undefined) {
      key = rateLimitKey(this.kit, metadata.policy, metadata, nodeRequestClient, '@RateLimit', (request) => this.userOf(request))
      this.keys.set(metadata, key)
    }
    return key
  }

  private userOf(request: RateLimitRequest): string | number | null | undefined {
    return this.moduleOptions.http?.user?.(request) ?? request.user?.id ?? request.user?.sub
  }
}

Injectable()(CachekitRateLimitGuard)
Inject(CACHEKIT)(CachekitRateLimitGuard, undefined, 0)
Inject(Reflector)(CachekitRateLimitGuard, undefined, 1)
Inject(CACHEKIT_MODULE_OPTIONS)(CachekitRateLimitGuard, undefined, 2)
