/**
 * `CachekitInterceptor`: caches what GET handlers return, keyed by URL and by user.
 * Nest's own CacheInterceptor keys by URL alone, so one user's response is served to the
 * next; this one adds the user to every key and refuses a request that carries credentials
 * but names no user.
 */
import { applyDecorators, Inject, Injectable, SetMetadata, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import { from, lastValueFrom, type Observable } from 'rxjs'
import { parseDuration, type Duration } from '../../core/duration.js'
import { ValidationError } from '../../core/errors/index.js'
import { escapeParam } from '../../keys/escape.js'
import type { AnyCachekit } from '../shared/any-kit.js'
import { hasCredentials } from '../shared/user-scope.js'
import { CACHEKIT_MODULE_OPTIONS, type CachekitModuleOptions } from './module-options.js'
import { CACHEKIT } from './tokens.js'

/** Options of {@link CacheResponse}. */
export interface CacheResponseOptions {
  /**
   * How long a handler's result is fresh.
   * @default the module's `http.ttl`, else '1m'
   */
  ttl?: Duration
  /**
   * Names the entry; the interceptor appends the user. Without it, the request URL.
   * @default (req) => `http:${req.originalUrl}`
   */
  key?: (request: HttpRequest) => string
  /**
   * Tags of the entry, for `kit.cache.invalidateTags`.
   * @example ['videos']
   */
  tags?: readonly string[] | ((request: HttpRequest) => readonly string[])
  /**
   * The result is the same for everyone: no user in the key, and credentials are not checked.
   * @default false
   */
  shared?: boolean
}

/** The parts of an Express request the interceptor reads. */
export interface HttpRequest {
  method: string
  originalUrl?: string
  url: string
  headers: Record<string, string | string[] | undefined>
  params?: Record<string, string>
  user?: { id?: string | number; sub?: string }
}

interface HttpResponse {
  setHeader(name: string, value: string): void
  headersSent: boolean
}

/** What is stored: the handler's result, and when it stops being fresh. */
interface CachedResult {
  readonly body: unknown
  readonly freshUntil: number
}

const CACHE_RESPONSE = Symbol.for('cachekit.nestjs.cache-response')
const DEFAULT_TTL = '1m'

/**
 * Caches this route's (or this controller's) GET results through {@link CachekitInterceptor}.
 * @example
 * @Get(':id') @CacheResponse({ ttl: '5m', tags: ['videos'] }) findOne(@Param('id') id: string) { ... }
 */
export function CacheResponse(options: CacheResponseOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(CACHE_RESPONSE, options), UseInterceptors(CachekitInterceptor))
}

/**
 * The interceptor: on a GET, answers from `kit.cache.getOrSet` (one handler call per key
 * at a time), with `X-Cache: HIT | MISS | STALE`. Express then adds the ETag and answers
 * 304 to a matching `If-None-Match`. Results that are `undefined` (a handler that wrote
 * to `@Res()` itself) are not stored. When Redis is away, the handler runs.
 * Use it per route with {@link CacheResponse}, or globally (`APP_INTERCEPTOR`), where it
 * caches every GET with the module's `http.ttl`.
 */
export class CachekitInterceptor implements NestInterceptor {
  constructor(
    private readonly kit: AnyCachekit,
    private readonly reflector: Reflector,
    private readonly moduleOptions: CachekitModuleOptions,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle()
    const http = context.switchToHttp()
    const request = http.getRequest<HttpRequest>()
    if (request.method !== 'GET') return next.handle()
    const options = this.reflector.getAllAndOverride<CacheResponseOptions | undefined>(CACHE_RESPONSE, [context.getHandler(), context.getClass()]) ?? {}
    return from(this.serve(request, http.getResponse<HttpResponse>(), options, next))
  }

  private async serve(request: HttpRequest, response: HttpResponse, options: CacheResponseOptions, next: CallHandler): Promise<unknown> {
    const ttlMs = parseDuration(options.ttl ?? this.moduleOptions.http?.ttl ?? DEFAULT_TTL, 'ttl')
    const key = this.keyFor(request, options)
    const tags = typeof options.tags === 'function' ? options.tags(request) : options.tags
    let own: CachedResult | undefined
    const stored = await this.kit.cache.getOrSet<CachedResult | undefined>(
      key,
      async () => {
        const body = await lastValueFrom(next.handle(), { defaultValue: undefined })
        own = body === undefined ? undefined : { body, freshUntil: Date.now() + ttlMs }
        return own
      },
      { ttl: ttlMs, ...(tags === undefined ? {} : { tags }), staleWhileRevalidate: false },
    )
    const status = stored === undefined || stored === own ? 'MISS' : Date.now() < stored.freshUntil ? 'HIT' : 'STALE'
    if (!response.headersSent) response.setHeader('X-Cache', status)
    if (stored !== undefined) return stored.body
    // Another request of this key got nothing storable: this one runs the handler itself.
    return own === undefined ? lastValueFrom(next.handle(), { defaultValue: undefined }) : undefined
  }

  private keyFor(request: HttpRequest, options: CacheResponseOptions): string {
    const base = options.key?.(request) ?? `http:${request.originalUrl ?? request.url}`
    if (typeof base !== 'string' || base.length === 0) throw new ValidationError('CacheResponse: key must return a non-empty string')
    if (options.shared) return base
    const who = (this.moduleOptions.http?.user ?? defaultUser)(request)
    if (who !== undefined && who !== null && who !== '') return `${base}:user:${escapeParam(String(who), 'user')}`
    if (hasCredentials(header(request, 'authorization'), header(request, 'cookie'))) {
      throw new ValidationError(
        `CacheResponse: the request to ${JSON.stringify(request.originalUrl ?? request.url)} carries credentials but no user was found (req.user, or the module's http.user): its response could be anyone's. ` +
          'Run your auth guard first, set http.user, or mark the route shared: true.',
      )
    }
    return base
  }
}

function defaultUser(request: unknown): string | number | undefined {
  const user = (request as HttpRequest).user
  return user?.id ?? user?.sub
}

function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

Injectable()(CachekitInterceptor)
Inject(CACHEKIT)(CachekitInterceptor, undefined, 0)
Inject(Reflector)(CachekitInterceptor, undefined, 1)
Inject(CACHEKIT_MODULE_OPTIONS)(CachekitInterceptor, undefined, 2)
