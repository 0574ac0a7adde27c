/**
 * `cacheResponse(kit, options)`: Hono middleware that caches GET responses in the kit.
 * Edge-safe. It translates only; `kit.cache.getOrSet` does the caching.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { resolveResponseCacheOptions, type ResponseCacheKit, type ResponseCacheOptions } from '../shared/response-cache-options.js'
import { cachedWebResponse } from '../shared/web-response-cache.js'

/** Options of {@link cacheResponse}: `key`, `user` and `tags` receive Hono's `Context`. */
export type CacheResponseOptions = ResponseCacheOptions<Context>

export type { ResponseCacheKit }

/**
 * Caches the responses of GET routes: a hit is answered without running the handler
 * (`X-Cache: HIT`, `ETag`, `304` to a matching `If-None-Match`); a miss runs it once for
 * all concurrent requests of the key (`X-Cache: MISS`); within grace a failing handler is
 * answered with the stale response (`X-Cache: STALE`). Only `200` responses without
 * `Set-Cookie`, `private`, `no-store` or a `Vary` outside the `vary` option are stored.
 * Each entry belongs to one scope (anonymous, shared, or the user the `user` option
 * names), which the key itself holds. A request with a `Cookie` or `Authorization` header
 * whose user `user` does not name, on a route that is not `shared`, is refused with a
 * `ValidationError` (Hono's `onError` sees it). A body larger than `maxBodyBytes` (default
 * 1 MiB) is read no further than that: the client gets the whole response, nothing is
 * stored, and a `warning` event (`RESPONSE_TOO_LARGE`) says so once. When Redis is away,
 * every request runs the handler.
 *
 * @throws {ValidationError} at setup, for a missing `key` or `ttl`, a bad duration or a bad `maxBodyBytes`.
 * @example
 * app.get('/videos', cacheResponse(kit, { key: (c) => `page:videos:${c.req.query('page') ?? 1}`, ttl: '1m' }), (c) => c.json(listVideos()))
 */
export function cacheResponse(kit: ResponseCacheKit, options: CacheResponseOptions): MiddlewareHandler {
  const settings = resolveResponseCacheOptions(options)
  return async function cachekitCacheResponse(c, next) {
    let produced = false
    const response = await cachedWebResponse(kit, settings, c, c.req.raw, async () => {
      produced = true
      await next()
      return c.res
    })
    if (produced) {
      // Replace, not merge: Hono's setter would copy the handler's headers over the replay's.
      c.res = undefined
      c.res = response
      return
    }
    return response
  }
}
