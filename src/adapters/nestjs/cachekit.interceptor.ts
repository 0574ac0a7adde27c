/**
 * `CachekitInterceptor`: caches what GET handlers return, keyed by URL and by user.
 * Nest's own CacheInterceptor keys by URL alone, so one user's response is served to the
 * next; this one puts whose result it is (anonymous, shared or one user) into every key,
 * in a segment no URL can spell, and refuses a request that carries credentials but names
 * no user.
 */
import {
  applyDecorators,
  Inject,
  Injectable,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common'
import { Reflector } from '@nestjs/core'
import { from, lastValueFrom, type Observable } from 'rxjs'
import { parseDuration, type Duration } from '../../core/duration.js'
import { ValidationError } from '../../core/errors/index.js'
import type { AnyCachekit } from '../shared/any-kit.js'
import { unkeyedVary, unkeyedVaryWarner } from '../shared/cached-response.js'
import { warnResponseTooLarge } from '../shared/oversized-response.js'
import { resolveMaxBodyBytes, resolveVary } from '../shared/response-cache-options.js'
import { responseKey } from '../shared/response-key.js'
import { hasCredentials, resolveScope, unscopedRequestError } from '../shared/user-scope.js'
import { CACHEKIT_MODULE_OPTIONS, type CachekitModuleOptions } from './module-options.js'
import { resultBytes } from './result-size.js'
import { CACHEKIT } from './tokens.js'

/** Options of {@link CacheResponse}. */
export interface CacheResponseOptions {
  /**
   * How long a handler's result is fresh.
   * @default the module's `http.ttl`, else '1m'
   */
  ttl?: Duration
  /**
   * Names the entry. The interceptor escapes it into a key of its own and adds whose
   * result it is: `nest:<key>:~anon`, `nest:<key>:~shared` or `nest:<key>:~u:<user>`.
   * @default the request URL, `req.originalUrl`
   * @example (req) => `video:${req.params?.id}`
   */
  key?: (request: HttpRequest) => string
  /**
   * Tags of the entry, for `kit.cache.invalidateTags`.
   * @example ['videos']
   */
  tags?: readonly string[] | ((request: HttpRequest) => readonly string[])
  /**
   * Request headers the result depends on: each one's value becomes a segment of the key,
   * and the response says `Vary: <names>`. A response whose own `Vary` (from `@Header`, a
   * CORS middleware or the handler) names a header not listed here is not stored.
   * `cookie` and `authorization` are refused (their values would show in key names): the
   * user is already in the key.
   * @default none
   * @example ['accept-language']
   */
  vary?: readonly string[]
  /**
   * The result is the same for everyone: it is stored once, in a key space of its own
   * (`~shared`), and served to every request whatever its credentials.
   * @default false
   */
  shared?: boolean
  /**
   * The largest result stored, in bytes of the JSON Nest sends (a `Buffer` by its length).
   * A larger result is sent as usual (`X-Cache: MISS`) but not stored, and a `warning`
   * event (`RESPONSE_TOO_LARGE`) says so once per route. A positive integer.
   * @default the module's `http.maxBodyBytes`, else 1048576 (1 MiB)
   * @example 8 * 1024 * 1024
   */
  maxBodyBytes?: number
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
  getHeader?(name: string): number | string | string[] | undefined
  vary?(field: string): unknown
  headersSent: boolean
}

/** What is stored: the handler's result, and when it stops being fresh. */
interface CachedResult {
  readonly body: unknown
  readonly freshUntil: number
}

/** A route's options, checked when it is decorated. */
interface RouteSettings {
  readonly ttl: Duration | undefined
  readonly key: ((request: HttpRequest) => string) | undefined
  readonly tags: CacheResponseOptions['tags']
  readonly vary: readonly string[]
  readonly shared: boolean
  readonly maxBodyBytes: number | undefined
  /** Asked for caching with `@CacheResponse` (not just under a global interceptor). */
  readonly decorated: boolean
}

const CACHE_RESPONSE = Symbol.for('cachekit.nestjs.cache-response')
const DEFAULT_TTL = '1m'

/**
 * Caches this route's (or this controller's) GET results through {@link CachekitInterceptor}.
 * @throws {ValidationError} when the route is decorated, for a bad `ttl`, `key`, `vary`, `shared` or `maxBodyBytes`.
 * @example
 * @Get(':id') @CacheResponse({ ttl: '5m', tags: ['videos'] }) findOne(@Param('id') id: string) { ... }
 */
export function CacheResponse(options: CacheResponseOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(CACHE_RESPONSE, routeSettings(options, true)), UseInterceptors(CachekitInterceptor))
}

/** Routes cached only because the interceptor is global. */
const UNDECORATED = routeSettings({}, false)

/**
 * The interceptor: on a GET, answers from `kit.cache.getOrSet` (one handler call per key
 * at a time), with `X-Cache: HIT | MISS | STALE`. Express then adds the ETag and answers
 * 304 to a matching `If-None-Match`. Results that are `undefined` (a handler that wrote
 * to `@Res()` itself) are not stored, nor are streams (`StreamableFile`) and results
 * over `maxBodyBytes` (sent as usual, reported once per route as a `warning` event). When
 * Redis is away, the handler runs.
 * Use it per route with {@link CacheResponse}, or globally (`APP_INTERCEPTOR`), where it
 * caches every GET with the module's `http.ttl`; there, a request with credentials and no
 * known user is not cached (a route with `@CacheResponse` refuses it instead).
 */
export class CachekitInterceptor implements NestInterceptor {
  /** One warning per route and application about a `Vary` the route does not key by. */
  private readonly warners = new WeakMap<RouteSettings, (route: string, unkeyed: readonly string[]) => void>()
  /** One `RESPONSE_TOO_LARGE` per route handler and application. */
  private readonly oversized = new WeakMap<object, object>()
  private readonly maxBodyBytes: number

  /** @throws {ValidationError} for a bad `http.maxBodyBytes` in the module's options (the app does not start). */
  constructor(
    private readonly kit: AnyCachekit,
    private readonly reflector: Reflector,
    private readonly moduleOptions: CachekitModuleOptions,
  ) {
    this.maxBodyBytes = resolveMaxBodyBytes(moduleOptions.http?.maxBodyBytes, 'CachekitModule http')
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle()
    const http = context.switchToHttp()
    const request = http.getRequest<HttpRequest>()
    if (request.method !== 'GET') return next.handle()
    const route =
      this.reflector.getAllAndOverride<RouteSettings | undefined>(CACHE_RESPONSE, [context.getHandler(), context.getClass()]) ?? UNDECORATED
    // The handler stands for the route: a controller-wide decorator still warns per method.
    return from(this.serve(request, http.getResponse<HttpResponse>(), route, context.getHandler(), next))
  }

  private async serve(
    request: HttpRequest,
    response: HttpResponse,
    route: RouteSettings,
    handler: object,
    next: CallHandler,
  ): Promise<unknown> {
    const run = () => lastValueFrom(next.handle(), { defaultValue: undefined })
    const ttlMs = parseDuration(route.ttl ?? this.moduleOptions.http?.ttl ?? DEFAULT_TTL, 'ttl')
    const base = route.key?.(request) ?? request.originalUrl ?? request.url
    if (typeof base !== 'string' || base.length === 0) throw new ValidationError('CacheResponse: key must return a non-empty string')
    const header = (name: string) => headerOf(request, name)
    const who = route.shared ? undefined : (this.moduleOptions.http?.user ?? defaultUser)(request)
    const scope = resolveScope({ shared: route.shared, who, credentials: hasCredentials(header) })
    if (scope === undefined) {
      // A global interceptor reaches routes that never asked to be cached: leave them be.
      if (!route.decorated) return run()
      throw unscopedRequestError(base, "run your auth guard first so that it sets req.user, or return the id from the module's `http.user`")
    }
    // A middleware or `@Header` made every response vary on a header the key does not hold.
    const before = unkeyedVary(varyOf(response), route.vary)
    if (before.length > 0) {
      this.warnUnkeyedVary(route, base, before)
      return run()
    }
    if (route.vary.length > 0) response.vary?.(route.vary.join(', '))
    const key = responseKey({ space: 'nest', base, scope, varied: route.vary.map((name) => [name, header(name)] as const) })
    const tags = typeof route.tags === 'function' ? route.tags(request) : route.tags
    const maxBodyBytes = route.maxBodyBytes ?? this.maxBodyBytes
    let produced: { body: unknown; tooLarge: boolean } | undefined
    let own: CachedResult | undefined
    const stored = await this.kit.cache.getOrSet<CachedResult | undefined>(
      key,
      async () => {
        const body = await run()
        const unkeyed = unkeyedVary(varyOf(response), route.vary)
        if (unkeyed.length > 0) this.warnUnkeyedVary(route, base, unkeyed)
        const size = body === undefined || unkeyed.length > 0 ? undefined : resultBytes(body, maxBodyBytes)
        const tooLarge = size !== undefined && size > maxBodyBytes
        if (tooLarge) warnResponseTooLarge(this.kit, this.warningScope(handler), base, maxBodyBytes)
        produced = { body, tooLarge }
        own = size === undefined || tooLarge ? undefined : { body, freshUntil: Date.now() + ttlMs }
        return own
      },
      { ttl: ttlMs, ...(tags === undefined ? {} : { tags }), staleWhileRevalidate: false },
    )
    const status = stored === undefined || stored === own || produced?.tooLarge ? 'MISS' : Date.now() < stored.freshUntil ? 'HIT' : 'STALE'
    if (!response.headersSent) response.setHeader('X-Cache', status)
    // Too large to store, not failed: the client gets it, not a stale copy.
    if (produced?.tooLarge) return produced.body
    if (stored !== undefined) return stored.body
    if (produced !== undefined) return produced.body
    // Another request of this key got nothing storable: this one runs the handler itself.
    return run()
  }

  private warningScope(handler: object): object {
    let scope = this.oversized.get(handler)
    if (scope === undefined) this.oversized.set(handler, (scope = {}))
    return scope
  }

  private warnUnkeyedVary(route: RouteSettings, base: string, unkeyed: readonly string[]): void {
    let warn = this.warners.get(route)
    if (warn === undefined) this.warners.set(route, (warn = unkeyedVaryWarner()))
    warn(base, unkeyed)
  }
}

function routeSettings(options: CacheResponseOptions, decorated: boolean): RouteSettings {
  if (typeof options !== 'object' || options === null) throw new ValidationError('CacheResponse: options must be an object')
  if (options.ttl !== undefined) parseDuration(options.ttl, 'ttl')
  if (options.key !== undefined && typeof options.key !== 'function')
    throw new ValidationError('CacheResponse: key must be a function of the request')
  if (options.shared !== undefined && typeof options.shared !== 'boolean')
    throw new ValidationError('CacheResponse: shared must be a boolean')
  return Object.freeze({
    maxBodyBytes: options.maxBodyBytes === undefined ? undefined : resolveMaxBodyBytes(options.maxBodyBytes, 'CacheResponse'),
    ttl: options.ttl,
    key: options.key,
    tags: options.tags,
    vary: resolveVary(options.vary),
    shared: options.shared ?? false,
    decorated,
  })
}

function defaultUser(request: unknown): string | number | undefined {
  const user = (request as HttpRequest).user
  return user?.id ?? user?.sub
}

function headerOf(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

function varyOf(response: HttpResponse): [string, string][] {
  const value = response.getHeader?.('vary')
  return value === undefined ? [] : [['vary', String(value)]]
}

Injectable()(CachekitInterceptor)
Inject(CACHEKIT)(CachekitInterceptor, undefined, 0)
Inject(Reflector)(CachekitInterceptor, undefined, 1)
Inject(CACHEKIT_MODULE_OPTIONS)(CachekitInterceptor, undefined, 2)
