/**
 * The response cache for frameworks built on the web `Request`/`Response` (Next.js route
 * handlers, Hono): request -> `kit.cache.getOrSet` -> response. The caching itself
 * (single flight, grace, storage, failure policy) is the kit's.
 */
import { base64ToBytes, bytesToBase64 } from './base64.js'
import {
  etagMatches,
  isTextual,
  replayableHeaders,
  uncacheableReason,
  unkeyedVary,
  weakEtag,
  type CachedResponse,
  type CacheStatus,
} from './cached-response.js'
import { readUpTo } from './capped-body.js'
import { declaredTooLarge, warnResponseTooLarge } from './oversized-response.js'
import { responseCacheRequest, type ResolvedResponseCacheOptions, type ResponseCacheKit } from './response-cache-options.js'

/**
 * Answers a GET from the cache, or runs `produce` and stores its response. Concurrent
 * requests for one key share one `produce` call. Within grace, a failing `produce` (a
 * thrown error or an uncacheable answer such as a 500) is answered with the stale
 * response. Other methods, and responses that may not be stored (including one whose own
 * `Vary` names a header the route does not key by), pass through untouched. A body over
 * `maxBodyBytes` is read no further than the cap: the response is answered whole (held
 * chunks, then the rest as the client reads), not stored, and reported once.
 *
 * @throws {ValidationError} when the request carries credentials and no user was found on a route that is not shared.
 */
export async function cachedWebResponse<Request>(
  kit: ResponseCacheKit,
  settings: ResolvedResponseCacheOptions<Request>,
  frameworkRequest: Request,
  request: globalThis.Request,
  produce: () => Promise<Response>,
): Promise<Response> {
  if (request.method !== 'GET') return produce()
  const { route, key, tags } = await responseCacheRequest(settings, frameworkRequest, (name) => request.headers.get(name))
  let own: Produced | undefined
  const stored = await kit.cache.getOrSet<CachedResponse | undefined>(
    key,
    async () => {
      own = await capture(kit, await produce(), settings, route)
      return own.snapshot
    },
    // The refresh runs inside a request, so no refresh is detached from one: within
    // grace a request waits for it and falls back to the stale response only if it fails.
    { ttl: settings.ttlMs, grace: settings.graceMs, tags, staleWhileRevalidate: false },
  )
  // Too large to store, not failed: the client gets it, not a stale copy.
  if (own?.tooLarge) return withHeader(own.response, 'x-cache', 'MISS')
  if (stored !== undefined && stored === own?.snapshot) return replay(stored, 'MISS', request, settings.vary)
  if (stored !== undefined) return replay(stored, Date.now() < stored.freshUntil ? 'HIT' : 'STALE', request, settings.vary)
  if (own !== undefined) return withHeader(own.response, 'x-cache', 'MISS')
  // Another request produced an uncacheable response for this key: produce this one's own.
  return produce()
}

/** What `produce` answered: the response to send (its body unread, or rebuilt), and what to store of it. */
interface Produced {
  readonly response: Response
  readonly snapshot: CachedResponse | undefined
  /** Its body passed `maxBodyBytes`. */
  readonly tooLarge: boolean
}

async function capture<Request>(
  kit: ResponseCacheKit,
  response: Response,
  settings: ResolvedResponseCacheOptions<Request>,
  route: string,
): Promise<Produced> {
  const headers: [string, string][] = []
  response.headers.forEach((value, name) => headers.push([name, value]))
  if (uncacheableReason(response.status, headers) !== undefined) return { response, snapshot: undefined, tooLarge: false }
  const unkeyed = unkeyedVary(headers, settings.vary)
  if (unkeyed.length > 0) {
    settings.warnUnkeyedVary(route, unkeyed)
    return { response, snapshot: undefined, tooLarge: false }
  }
  const tooLarge = (answer: Response): Produced => {
    warnResponseTooLarge(kit, settings, route, settings.maxBodyBytes)
    return { response: answer, snapshot: undefined, tooLarge: true }
  }
  if (declaredTooLarge(response.headers.get('content-length'), settings.maxBodyBytes)) return tooLarge(response)
  const body = await readUpTo(response.body, settings.maxBodyBytes)
  if (!body.complete) return tooLarge(new Response(body.body, response))
  const { bytes } = body
  const textual = isTextual(response.headers.get('content-type') ?? undefined)
  const snapshot: CachedResponse = {
    status: response.status,
    headers: replayableHeaders(headers),
    body: textual ? new TextDecoder().decode(bytes) : bytesToBase64(bytes),
    base64: !textual,
    etag: weakEtag(bytes),
    freshUntil: Date.now() + settings.ttlMs,
  }
  return { response: new Response(bytes, response), snapshot, tooLarge: false }
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
