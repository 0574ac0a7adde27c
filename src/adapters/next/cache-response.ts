/**
 * `cacheResponse(kit, handler, options)`: a Next.js route handler whose GET responses live
 * in the kit. Edge-safe. It translates only; `kit.cache.getOrSet` does the caching.
 */
import { resolveResponseCacheOptions, type ResponseCacheKit, type ResponseCacheOptions } from '../shared/response-cache-options.js'
import { cachedWebResponse } from '../shared/web-response-cache.js'

/** Options of {@link cacheResponse}: `key`, `user` and `tags` receive the request. */
export type CacheResponseOptions<R extends Request = Request> = ResponseCacheOptions<R>

export type { ResponseCacheKit }

/**
 * Wraps a route handler: a GET hit is answered without running it (`X-Cache: HIT`,
 * `ETag`, `304` to a matching `If-None-Match`); a miss runs it once for all concurrent
 * requests of the key (`X-Cache: MISS`); within grace a failing handler is answered with
 * the stale response (`X-Cache: STALE`). Only `200` responses without `Set-Cookie`,
 * `private`, `no-store` or a `Vary` outside the `vary` option are stored. Each entry
 * belongs to one scope (anonymous, shared, or the user the `user` option names), which the
 * key itself holds. A request with a `Cookie` or `Authorization` header whose user `user`
 * does not name, on a route that is not `shared`, rejects with a `ValidationError` (Next
 * answers 500). A body larger than `maxBodyBytes` (default 1 MiB) is read no further than
 * that: the client gets the whole response, nothing is stored, and a `warning` event
 * (`RESPONSE_TOO_LARGE`) says so once. When Redis is away, every request runs the handler.
 *
 * @throws {ValidationError} at setup, for a missing `key` or `ttl`, a bad duration or a bad `maxBodyBytes`.
 * @example
 * export const GET = cacheResponse(kit, listVideos, { key: (request) => `page:videos:${new URL(request.url).searchParams.get('page') ?? 1}`, ttl: '1m', tags: ['videos'] })
 */
export function cacheResponse<R extends Request, Context extends unknown[]>(
  kit: ResponseCacheKit,
  handler: (request: R, ...context: Context) => Response | Promise<Response>,
  options: CacheResponseOptions<R>,
): (request: R, ...context: Context) => Promise<Response> {
  const settings = resolveResponseCacheOptions(options)
  return function cachedRouteHandler(request: R, ...context: Context): Promise<Response> {
    return cachedWebResponse(kit, settings, request, request, async () => handler(request, ...context))
  }
}
