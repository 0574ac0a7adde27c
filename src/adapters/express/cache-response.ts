/**
 * `cacheResponse(kit, options)`: Express middleware that caches GET responses in the kit.
 * It translates only: the route's response is captured into a `CachedResponse`, and
 * `kit.cache.getOrSet` does the caching (single flight, grace, storage, failure policy).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import {
  etagMatches,
  isTextual,
  replayableHeaders,
  uncacheableReason,
  unkeyedVary,
  weakEtag,
  type CachedResponse,
  type CacheStatus,
} from '../shared/cached-response.js'
import { declaredTooLarge, warnResponseTooLarge } from '../shared/oversized-response.js'
import {
  resolveResponseCacheOptions,
  responseCacheRequest,
  type ResolvedResponseCacheOptions,
  type ResponseCacheKit,
  type ResponseCacheOptions,
  type ResponseCacheRequest,
} from '../shared/response-cache-options.js'

/** Options of {@link cacheResponse}. */
export type CacheResponseOptions = ResponseCacheOptions<Request>

export type { ResponseCacheKit }

/**
 * Caches the responses of GET routes. A hit is answered without running the route, with
 * `X-Cache: HIT` (or `STALE` within grace when the route fails), an `ETag`, and `304 Not
 * Modified` to a matching `If-None-Match`; a miss runs the route once for all concurrent
 * requests of the key (`X-Cache: MISS`). Only `200` responses without `Set-Cookie`,
 * `private`, `no-store` or a `Vary` outside the `vary` option are stored. Each entry
 * belongs to one scope: anonymous, shared (`shared: true`) or one user (`user`, by default
 * `req.user.id`), and the middleware puts that scope into the key itself. A request with a
 * `Cookie` or `Authorization` header whose user is not found, on a route that is not
 * shared, is refused with a `ValidationError` passed to `next(err)` (a 500 by default).
 * A body larger than `maxBodyBytes` (default 1 MiB) is held no further than that: what
 * was held goes out, the route's further writes go straight to the client, nothing is
 * stored, and a `warning` event (`RESPONSE_TOO_LARGE`) says so once. When Redis is away,
 * every request runs the route (the kit fails open).
 *
 * @throws {ValidationError} at setup, for a missing `key` or `ttl`, a bad duration or a bad `maxBodyBytes`.
 * @example
 * app.get('/videos', cacheResponse(kit, { key: (req) => `page:videos:${Number(req.query.page ?? 1)}`, ttl: '1m', tags: ['videos'] }), listVideos)
 */
export function cacheResponse(kit: ResponseCacheKit, options: CacheResponseOptions): RequestHandler {
  const settings = resolveResponseCacheOptions(options, EXPRESS_DEFAULTS)
  return function cachekitCacheResponse(req: Request, res: Response, next: NextFunction): void {
    if (req.method !== 'GET') return next()
    responseCacheRequest(settings, req, (name) => req.get(name)).then((entry) => serve(kit, settings, entry, req, res, next), next)
  }
}

/** Answers one GET whose key is known: from the cache, or by running the route once. */
function serve(
  kit: ResponseCacheKit,
  settings: ResolvedResponseCacheOptions<Request>,
  entry: ResponseCacheRequest,
  req: Request,
  res: Response,
  next: NextFunction,
): void {
  // An earlier middleware (CORS's `Vary: Origin`) made every response vary on a header
  // the key does not hold: no stored response may answer, and none may be stored.
  const preset = res.getHeader('vary')
  const unkeyed = preset === undefined ? [] : unkeyedVary([['vary', String(preset)]], settings.vary)
  if (unkeyed.length > 0) {
    settings.warnUnkeyedVary(entry.route, unkeyed)
    return next()
  }
  const ifNoneMatch = req.get('if-none-match')
  let own: Captured | undefined
  kit.cache
    .getOrSet<CachedResponse | undefined>(
      entry.key,
      async () => {
        own = await captureRoute(req, res, next, settings, entry.route, () =>
          warnResponseTooLarge(kit, settings, entry.route, settings.maxBodyBytes),
        )
        return own.snapshot
      },
      // The refresh runs the route of a live request, so it is never detached from one:
      // within grace a request waits for it and falls back to stale only if it fails.
      { ttl: settings.ttlMs, grace: settings.graceMs, tags: entry.tags, staleWhileRevalidate: false },
    )
    .then(
      (stored) => {
        // Too large to store: the route is already writing to the client, whatever the cache holds.
        if (own?.passedThrough) return
        if (stored !== undefined && stored === own?.snapshot) return send(res, stored, 'MISS', ifNoneMatch, settings.vary, false)
        if (stored !== undefined)
          return send(res, stored, Date.now() < stored.freshUntil ? 'HIT' : 'STALE', ifNoneMatch, settings.vary, own !== undefined)
        if (own !== undefined) return own.send()
        // Another request of this key got an uncacheable response: run the route for this one.
        next()
      },
      (error: unknown) => (own === undefined ? next(error) : own.send()),
    )
}

const EXPRESS_DEFAULTS = Object.freeze({
  user: defaultUser,
  naming: 'run your auth middleware before cacheResponse so that it sets req.user, or return the id from the `user` option',
})

/** Passport and express-jwt put the user here. */
function defaultUser(req: Request): string | number | undefined {
  const holder = req as Request & { user?: { id?: string | number; sub?: string }; auth?: { sub?: string } }
  return holder.user?.id ?? holder.user?.sub ?? holder.auth?.sub
}

interface Captured {
  snapshot: CachedResponse | undefined
  /** Sends what the route wrote, as it wrote it (restoring the real write/end). */
  send: () => void
  /** The body passed `maxBodyBytes`: the route writes to the client itself, and nothing is stored. */
  passedThrough: boolean
}

/**
 * Runs the rest of the chain with `res.write`/`res.end` held back: the route's body is
 * collected, and sent only once the cache has decided what this request gets. The
 * validators are hidden from the route so that Express answers a full body, never a 304
 * this middleware could not store. A body that passes `maxBodyBytes` (or declares a
 * `Content-Length` over it) is let go: what was held is written out, the real
 * write/end are back for the rest, and the capture resolves at once with nothing to store.
 */
function captureRoute(
  req: Request,
  res: Response,
  next: NextFunction,
  settings: ResolvedResponseCacheOptions<Request>,
  route: string,
  tooLarge: () => void,
): Promise<Captured> {
  return new Promise((resolve) => {
    const realWrite = res.write
    const realEnd = res.end
    let chunks: Uint8Array[] = []
    let size = 0
    /** Holds a chunk; false once the body is over the cap. */
    const hold = (chunk: unknown, encoding: unknown): boolean => {
      if (size === 0 && declaredTooLarge(res.getHeader('content-length') as string | number | undefined, settings.maxBodyBytes))
        size = settings.maxBodyBytes + 1
      if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
        const bytes =
          typeof chunk === 'string'
            ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
            : (chunk as Uint8Array)
        chunks.push(bytes)
        size += bytes.byteLength
      }
      return size <= settings.maxBodyBytes
    }
    const restore = (): void => {
      res.write = realWrite
      res.end = realEnd
    }
    /** Sends what was held and lets the route write the rest itself; the result is the last write's (backpressure). */
    const letGo = (): boolean => {
      restore()
      if (!res.headersSent) res.setHeader('X-Cache', 'MISS')
      const held = chunks
      chunks = []
      let flowing = true
      for (const chunk of held) flowing = (realWrite as (chunk: Uint8Array) => boolean).call(res, chunk)
      tooLarge()
      resolve({ snapshot: undefined, send: () => undefined, passedThrough: true })
      return flowing
    }
    res.write = function heldWrite(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      const flowing = hold(chunk, encoding) || letGo()
      if (typeof encoding === 'function') (encoding as () => void)()
      else if (typeof callback === 'function') (callback as () => void)()
      return flowing
    } as Response['write']
    res.end = function heldEnd(chunk?: unknown, encoding?: unknown): Response {
      if (!hold(chunk, encoding)) {
        letGo()
        return (realEnd as () => Response).call(res)
      }
      restore()
      const body = Buffer.concat(chunks)
      chunks = []
      resolve({
        snapshot: snapshot(res, body, settings, route),
        send: () => {
          if (!res.headersSent) res.setHeader('X-Cache', 'MISS')
          res.end(body)
        },
        passedThrough: false,
      })
      return res
    } as Response['end']
    // A client that goes away before the route answers leaves nothing to store.
    res.once('close', () => {
      if (res.end === realEnd) return
      restore()
      resolve({ snapshot: undefined, send: () => undefined, passedThrough: false })
    })
    delete req.headers['if-none-match']
    delete req.headers['if-modified-since']
    next()
  })
}

function snapshot(res: Response, body: Buffer, settings: ResolvedResponseCacheOptions<Request>, route: string): CachedResponse | undefined {
  // A route that flushed its headers itself (`writeHead`, `flushHeaders`) cannot be replayed faithfully.
  if (res.headersSent) return undefined
  const headers = headerPairs(res)
  if (uncacheableReason(res.statusCode, headers) !== undefined) return undefined
  const unkeyed = unkeyedVary(headers, settings.vary)
  if (unkeyed.length > 0) {
    settings.warnUnkeyedVary(route, unkeyed)
    return undefined
  }
  const textual = isTextual(res.getHeader('content-type')?.toString())
  return {
    status: res.statusCode,
    headers: replayableHeaders(headers),
    body: textual ? body.toString('utf8') : body.toString('base64'),
    base64: !textual,
    etag: weakEtag(body),
    freshUntil: Date.now() + settings.ttlMs,
  }
}

/** The response's headers so far, as name and value pairs (one pair per value of a list). */
function headerPairs(res: Response): (readonly [string, string])[] {
  return Object.entries(res.getHeaders()).flatMap(([name, value]) =>
    value === undefined ? [] : Array.isArray(value) ? value.map((item) => [name, item] as const) : [[name, String(value)] as const],
  )
}

function send(
  res: Response,
  stored: CachedResponse,
  status: CacheStatus,
  ifNoneMatch: string | undefined,
  vary: readonly string[],
  routeAnswered: boolean,
): void {
  // The route answered (e.g. a 500 within grace) but the stale response wins: drop its headers.
  if (routeAnswered) for (const name of res.getHeaderNames()) res.removeHeader(name)
  res.status(stored.status)
  const grouped = new Map<string, string[]>()
  for (const [name, value] of stored.headers) grouped.set(name, [...(grouped.get(name) ?? []), value])
  for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? (values[0] as string) : values)
  res.setHeader('ETag', stored.etag)
  res.setHeader('X-Cache', status)
  if (vary.length > 0) res.vary(vary.join(', '))
  if (etagMatches(ifNoneMatch, stored.etag)) {
    res.removeHeader('content-type')
    res.status(304).end()
    return
  }
  const body = stored.base64 ? Buffer.from(stored.body, 'base64') : Buffer.from(stored.body, 'utf8')
  res.setHeader('Content-Length', body.length)
  res.end(body)
}
