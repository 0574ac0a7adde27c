/**
 * The response cache for frameworks built on the web `Request`/`Response` (Next.js route
 * handlers, Hono): request -> `kit.cache.getOrSet` -> response. The caching itself
 * (single flight, grace, storage, failure policy) is the kit's.
 */
import type { CacheService } from '../../cache/cache-service.js'
import { base64ToBytes, bytesToBase64 } from './base64.js'
import { etagMatches, isTextual, replayableHeaders, uncacheableReason, unkeyedVary, weakEtag, type CachedResponse, type CacheStatus } from './cached-response.js'
import { responseCacheRequest, type ResolvedResponseCacheOptions } from './response-cache-options.js'

/**
 * Answers a GET from the cache, or runs `produce` and stores its response. Concurrent
 * requests for one key share one `produce` call. Within grace, a failing `produce` (a
 * thrown error or an uncacheable answer such as a 500) is answered with the stale
 * response. Other methods, and responses that may not be stored (including one whose own
 * `Vary` names a header the route does not key by), pass through untouched.
 *
 * @throws {ValidationError} when the request carries credentials and no user was found on a route that is not shared.
 */
export async function cachedWebResponse<Request>(
  cache: CacheService,
  settings: ResolvedResponseCacheOptions<Request>,
  frameworkRequest: Request,
  request: globalThis.Request,
  produce: () => Promise<Response>,
): Promise<Response> {
  if (request.method !== 'GET') return produce()
  const { route, key, tags } = await responseCacheRequest(settings, frameworkRequest, (name) => request.headers.get(name))
  let own: { response: Response; snapshot: CachedResponse | undefined } | undefined
  const stored = await cache.getOrSet<CachedResponse | undefined>(
    key,
    async () => {
      const response = await produce()
      own = { response, snapshot: await snapshot(response, settings, route) }
      return own.snapshot
    },
    // The refresh runs inside a request, so no refresh is detached from one: within
    // grace a request waits for it and falls back to the stale response only if it fails.
    { ttl: settings.ttlMs, grace: settings.graceMs, tags, staleWhileRevalidate: false },
  )
  if (stored !== undefined && stored === own?.snapshot) return replay(stored, 'MISS', request, settings.vary)
  if (stored !== undefined) return replay(stored, Date.now() < stored.freshUntil ? 'HIT' : 'STALE', request, settings.vary)
  if (own !== undefined) return withHeader(own.response, 'x-cache', 'MISS')
  // Another request produced an uncacheable response for this key: produce this one's own.
  return produce()
}

async function snapshot<Request>(response: Response, settings: ResolvedResponseCacheOptions<Request>, route: string): Promise<CachedResponse | undefined> {
  const headers: [string, string][] = []
  response.headers.forEach((value, name) => headers.push([name, value]))
  if (uncacheableReason(response.status, headers) !== undefined) return undefined
  const unkeyed = unkeyedVary(headers, settings.vary)
  if (unkeyed.length > 0) {
    settings.warnUnkeyedVary(route, unkeyed)
    return undefined
  }
  const bytes = new Uint8Array(await response.clone().arrayBuffer())
  const textual = isTextual(response.headers.get('content-type') ?? undefined)
  return {
    status: response.status,
    headers: replayableHeaders(headers),
    body: textual ? new TextDecoder().decode(bytes) : bytesToBase64(bytes),
    base64: !textual,
    etag: weakEtag(bytes),
    freshUntil: Date.now() + settings.ttlMs,
  }
}

/** The response with one more header (a fetched response's headers are immutable: copy it). */
function withHeader(response: Response, name: string, value: string): Response {
  const copy = new Response(response.body, response)
  copy.headers.set(name, value)
  return copy
}

function replay(stored: CachedResponse, status: CacheStatus, request: globalThis.Request, vary: readonly string[]): Response {
  const headers = new Headers(stored.headers as [string, string][])
  headers.set('etag', stored.etag)
  headers.set('x-cache', status)
  if (vary.length > 0) headers.set('vary', vary.join(', '))
  if (etagMatches(request.headers.get('if-none-match'), stored.etag)) {
    headers.delete('content-type')
    return new Response(null, { status: 304, headers })
  }
  return new Response(stored.base64 ? base64ToBytes(stored.body) : stored.body, { status: stored.status, headers })
}
