/**
 * Options of the response-cache middlewares (Express, Next.js route handlers, Hono), and
 * the one function that checks them at setup and resolves durations to milliseconds.
 */
import { parseDuration, type Duration } from '../../core/duration.js'
import { ValidationError } from '../../core/errors/index.js'
import { assertUserScoped } from './user-scope.js'

/** Options of a response cache; `Request` is the framework's request type. */
export interface ResponseCacheOptions<Request> {
  /**
   * Names the response: the cache key of the entry, below the kit's namespace. For a
   * response that depends on who asks, the key must contain the user (see `user`).
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
   * Request headers the response depends on: each one's value becomes part of the key,
   * and the response says `Vary: <names>`.
   * @default none
   * @example ['accept-language']
   */
  vary?: readonly string[]
  /**
   * Who is asking: an id, or `undefined` for an anonymous request. When it names someone,
   * the key must contain that id; when a request carries credentials (an `Authorization`
   * header or a session cookie) and this names nobody, the request is refused with a
   * `ValidationError`, since its response could be anyone's.
   * @default Express: `req.user?.id ?? req.user?.sub ?? req.auth?.sub`; Next.js and Hono: nobody
   * @example (req) => req.session?.userId
   */
  user?: (request: Request) => string | number | null | undefined
  /**
   * The response is the same for every user, signed in or not: skip the user check.
   * @default false
   */
  shared?: boolean
}

/** Options after {@link resolveResponseCacheOptions}. */
export interface ResolvedResponseCacheOptions<Request> {
  readonly key: (request: Request) => string
  readonly ttlMs: number
  readonly graceMs: number
  readonly tags: (request: Request) => readonly string[] | undefined
  readonly vary: readonly string[]
  readonly user: (request: Request) => string | number | null | undefined
  readonly shared: boolean
}

/** Defaults of every response cache. */
export const RESPONSE_CACHE_DEFAULTS = Object.freeze({ graceMs: 0, shared: false, vary: Object.freeze([] as string[]) })

const NOBODY = (): undefined => undefined

/**
 * Checks the options once, when the middleware is created.
 * @throws {ValidationError} for a missing `key` function, a bad duration, bad tags or vary names.
 */
export function resolveResponseCacheOptions<Request>(
  options: ResponseCacheOptions<Request>,
  defaultUser: (request: Request) => string | number | null | undefined = NOBODY,
): ResolvedResponseCacheOptions<Request> {
  if (typeof options !== 'object' || options === null) throw new ValidationError('response cache options must be an object')
  if (typeof options.key !== 'function') throw new ValidationError('response cache: `key` must be a function of the request that returns the cache key')
  if (options.ttl === undefined) throw new ValidationError('response cache: `ttl` is required')
  const ttlMs = parseDuration(options.ttl, 'ttl')
  const graceMs = options.grace === undefined ? RESPONSE_CACHE_DEFAULTS.graceMs : parseDuration(options.grace, 'grace')
  const tags = options.tags
  if (tags !== undefined && typeof tags !== 'function' && !Array.isArray(tags)) throw new ValidationError('response cache: `tags` must be an array of strings or a function')
  const vary = (options.vary ?? RESPONSE_CACHE_DEFAULTS.vary).map((name) => {
    if (typeof name !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new ValidationError(`response cache: vary names header names, got ${JSON.stringify(name)}`)
    return name.toLowerCase()
  })
  if (options.user !== undefined && typeof options.user !== 'function') throw new ValidationError('response cache: `user` must be a function of the request')
  return Object.freeze({
    key: options.key,
    ttlMs,
    graceMs,
    tags: typeof tags === 'function' ? tags : () => tags,
    vary: Object.freeze(vary),
    user: options.user ?? defaultUser,
    shared: options.shared ?? RESPONSE_CACHE_DEFAULTS.shared,
  })
}

/** One request's view of the options: the full key and who asks. */
export interface ResponseCacheRequest {
  key: string
  tags: readonly string[] | undefined
}

/**
 * The key and tags for one request, after the user check.
 * @throws {ValidationError} when `key` returned no string, or an authenticated request's key does not name its user.
 */
export function responseCacheRequest<Request>(
  settings: ResolvedResponseCacheOptions<Request>,
  request: Request,
  header: (name: string) => string | null | undefined,
  credentials: boolean,
): ResponseCacheRequest {
  const base = settings.key(request)
  if (typeof base !== 'string' || base.length === 0) throw new ValidationError(`response cache: \`key\` must return a non-empty string, got ${JSON.stringify(base)}`)
  const who = settings.user(request)
  const user = who === undefined || who === null || who === '' ? undefined : String(who)
  assertUserScoped({ key: base, user, credentials, shared: settings.shared })
  const varied = settings.vary.map((name) => `:${name}=${encodeURIComponent(header(name) ?? '')}`).join('')
  return { key: base + varied, tags: settings.tags(request) }
}
