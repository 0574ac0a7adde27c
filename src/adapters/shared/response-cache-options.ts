/**
 * Options of the response-cache middlewares (Express, Next.js route handlers, Hono), the
 * one function that checks them at setup, and the one that turns a request into its key.
 */
import type { CacheService } from '../../cache/cache-service.js'
import { parseDuration, type Duration } from '../../core/duration.js'
import { ValidationError } from '../../core/errors/index.js'
import { unkeyedVaryWarner } from './cached-response.js'
import { responseKey, type ResponseScope } from './response-key.js'
import { hasCredentials, resolveScope, unscopedRequestError } from './user-scope.js'
import type { WarningKit } from './warn-once.js'

/** What the `user` option returns: an id, `undefined` (nobody found) or `null` (signed out, whatever the cookies). */
export type UserId = string | number | bigint | null | undefined

/** Options of a response cache; `Request` is the framework's request type. */
export interface ResponseCacheOptions<Request> {
  /**
   * Names the response. The cache never stores under this string as it is: it escapes it
   * into a key of its own and adds whose response it is (`http:<key>:~anon`,
   * `http:<key>:~shared` or `http:<key>:~u:<user>`) and the `vary` values, so a per-user
   * route needs no user in its key, and no key or URL can reach another user's entry.
   * @example (req) => `page:videos:${req.query.page ?? 1}`
   */
  key: (request: Request) => string
  /**
   * How long a stored response is fresh (`X-Cache: HIT`).
   * @example '1m'
   */
  ttl: Duration
  /**
   * How long after `ttl` the stale response may still be served (`X-Cache: STALE`) while
   * one background request refreshes it.
   * @default 0
   */
  grace?: Duration
  /**
   * Tags of the entry, for `kit.cache.invalidateTags`.
   * @default none
   * @example ['videos']
   */
  tags?: readonly string[] | ((request: Request) => readonly string[])
  /**
   * Request headers the response depends on: each one's value becomes a segment of the key,
   * and the response says `Vary: <names>`. A response whose own `Vary` names a header not
   * listed here (or `Vary: *`) is not stored (a warning says so, once per middleware).
   * Values land in key names (escaped), so `cookie` and `authorization` are refused here:
   * `user` keys by who asks.
   * @default none
   * @example ['accept-language']
   */
  vary?: readonly string[]
  /**
   * Who is asking. An id (string or number): the response is stored in that user's key
   * space and served to nobody else. `undefined` (no user found): the request is anonymous
   * if it carries no credentials, and refused with a `ValidationError` if it carries any
   * `Cookie` or `Authorization` header, since its response could be anyone's. `null`: you
   * know the request is signed out, whatever its cookies (a consent cookie, say), so it is
   * anonymous; return it only when the route reads no credentials. Anything else (an
   * object, a boolean) is refused, since it cannot name one user. It may be async (a
   * session lookup); it is not called for `shared` routes.
   * @default Express: `req.user?.id ?? req.user?.sub ?? req.auth?.sub`; Next.js and Hono: nobody (`undefined`)
   * @example (req) => req.session?.userId
   */
  user?: (request: Request) => UserId | Promise<UserId>
  /**
   * The response is the same for everyone, signed in or not: it is stored once, in a key
   * space of its own (`~shared`), and served to every request whatever its credentials;
   * `user` is not called.
   * @default false
   */
  shared?: boolean
  /**
   * The largest body stored, in bytes. The body is counted while the route writes it; past
   * this size the cache stops holding it (what it held is sent on and let go), the client
   * still gets the whole response unchanged (`X-Cache: MISS`), nothing is stored, and a
   * `warning` event (`RESPONSE_TOO_LARGE`) says so once per middleware. A streamed body is
   * never held past this size. A positive integer.
   * @default 1048576 (1 MiB)
   * @example 8 * 1024 * 1024
   */
  maxBodyBytes?: number
}

/** Options after {@link resolveResponseCacheOptions}. */
export interface ResolvedResponseCacheOptions<Request> {
  readonly key: (request: Request) => string
  readonly ttlMs: number
  readonly graceMs: number
  readonly tags: (request: Request) => readonly string[] | undefined
  /** Lower case, sorted, without duplicates. */
  readonly vary: readonly string[]
  readonly user: (request: Request) => unknown
  readonly shared: boolean
  readonly maxBodyBytes: number
  /** How this adapter learns the user, for the refusal's message. */
  readonly naming: string
  /** Says, once for this middleware, that responses of `route` are not stored for their `Vary`. */
  readonly warnUnkeyedVary: (route: string, unkeyed: readonly string[]) => void
}

/** Defaults of every response cache. */
const RESPONSE_CACHE_DEFAULTS = Object.freeze({ graceMs: 0, shared: false, vary: Object.freeze([] as string[]), maxBodyBytes: 1024 * 1024 })

/** What a response cache needs of a kit: its cache, and its events for the `warning` it may report. */
export interface ResponseCacheKit extends WarningKit {
  readonly cache: CacheService
}

/** What an adapter adds to the options: who asks when `user` is not given, and how to say so. */
export interface ResponseCacheAdapterDefaults<Request> {
  readonly user: (request: Request) => unknown
  /** Completes "Name the user (...)" in the refusal's message. */
  readonly naming: string
}

const NOBODY: ResponseCacheAdapterDefaults<unknown> = Object.freeze({
  user: () => undefined,
  naming: 'return its id from the `user` option',
})

/**
 * Checks the options once, when the middleware is created.
 * @throws {ValidationError} for a missing `key` function, a bad duration, bad tags or vary names, a bad `maxBodyBytes`.
 */
export function resolveResponseCacheOptions<Request>(
  options: ResponseCacheOptions<Request>,
  defaults: ResponseCacheAdapterDefaults<Request> = NOBODY,
): ResolvedResponseCacheOptions<Request> {
  if (typeof options !== 'object' || options === null) throw new ValidationError('response cache options must be an object')
  if (typeof options.key !== 'function')
    throw new ValidationError('response cache: `key` must be a function of the request that returns the cache key')
  if (options.ttl === undefined) throw new ValidationError('response cache: `ttl` is required')
  const ttlMs = parseDuration(options.ttl, 'ttl')
  const graceMs = options.grace === undefined ? RESPONSE_CACHE_DEFAULTS.graceMs : parseDuration(options.grace, 'grace')
  const tags = options.tags
  if (tags !== undefined && typeof tags !== 'function' && !Array.isArray(tags))
    throw new ValidationError('response cache: `tags` must be an array of strings or a function')
  if (options.user !== undefined && typeof options.user !== 'function')
    throw new ValidationError('response cache: `user` must be a function of the request')
  if (options.shared !== undefined && typeof options.shared !== 'boolean')
    throw new ValidationError('response cache: `shared` must be a boolean')
  return Object.freeze({
    key: options.key,
    ttlMs,
    graceMs,
    tags: typeof tags === 'function' ? tags : () => tags,
    vary: resolveVary(options.vary),
    user: options.user ?? defaults.user,
    shared: options.shared ?? RESPONSE_CACHE_DEFAULTS.shared,
    maxBodyBytes: resolveMaxBodyBytes(options.maxBodyBytes, 'response cache'),
    naming: options.user === undefined ? defaults.naming : NOBODY.naming,
    warnUnkeyedVary: unkeyedVaryWarner(),
  })
}

/**
 * The `maxBodyBytes` option checked, or the default when it is not given. `where` names
 * the middleware in the message.
 * @throws {ValidationError} for anything but a positive integer.
 */
export function resolveMaxBodyBytes(value: unknown, where: string): number {
  if (value === undefined) return RESPONSE_CACHE_DEFAULTS.maxBodyBytes
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(
      `${where}: \`maxBodyBytes\` must be a positive integer (bytes), got ${typeof value === 'number' ? String(value) : typeof value}`,
    )
  }
  return value
}

// Their values are secrets: as key segments they would show in every key listing.
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie'])

/**
 * The `vary` option checked and made canonical: lower case, sorted, without duplicates (so
 * `['B', 'a']` and `['a', 'b']` share entries).
 * @throws {ValidationError} for a name that is not an HTTP header name, `*`, or a header
 * that carries credentials (`user` keys by who asks instead).
 */
export function resolveVary(vary: readonly string[] | undefined): readonly string[] {
  if (vary === undefined) return RESPONSE_CACHE_DEFAULTS.vary
  if (!Array.isArray(vary)) throw new ValidationError('response cache: `vary` must be an array of request header names')
  const names = vary.map((name: unknown) => {
    if (typeof name !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || name === '*')
      throw new ValidationError(`response cache: vary names request headers, got ${JSON.stringify(name)}`)
    const lower = name.toLowerCase()
    if (CREDENTIAL_HEADERS.has(lower))
      throw new ValidationError(
        `response cache: vary ${JSON.stringify(name)} would write credentials into key names; name who asks with \`user\` instead`,
      )
    return lower
  })
  return Object.freeze([...new Set(names)].sort())
}

/** One request's view of the options. */
export interface ResponseCacheRequest {
  /** The route's own key, for messages. */
  readonly route: string
  /** The key of its entry, below the kit's namespace ({@link responseKey}). */
  readonly key: string
  readonly tags: readonly string[] | undefined
}

/**
 * The key and tags for one request.
 * @throws {ValidationError} (the promise rejects) when `key` returned no string, `user`
 * returned no id, or the request carries credentials and `user` found nobody on a route
 * that is not shared.
 */
export async function responseCacheRequest<Request>(
  settings: ResolvedResponseCacheOptions<Request>,
  request: Request,
  header: (name: string) => string | null | undefined,
): Promise<ResponseCacheRequest> {
  const route = settings.key(request)
  if (typeof route !== 'string' || route.length === 0)
    throw new ValidationError(`response cache: \`key\` must return a non-empty string, got ${JSON.stringify(route)}`)
  const who = settings.shared ? undefined : await settings.user(request)
  const scope: ResponseScope | undefined = resolveScope({ shared: settings.shared, who, credentials: hasCredentials(header) })
  if (scope === undefined) throw unscopedRequestError(route, settings.naming)
  const varied = settings.vary.map((name) => [name, header(name) ?? undefined] as const)
  return { route, key: responseKey({ space: 'http', base: route, scope, varied }), tags: settings.tags(request) }
}
