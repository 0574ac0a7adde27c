/**
 * The HTTP response as the response-cache middlewares store it, and the small HTTP rules
 * they share: which responses may be stored, which headers travel with them, ETags.
 * Framework-free and edge-safe; each adapter translates its framework's response to and
 * from this shape.
 */

/** A stored response. `freshUntil` lets a replay say HIT or STALE. */
export interface CachedResponse {
  readonly status: number
  /** Header name (lower case) and value pairs, without per-connection and per-response headers. */
  readonly headers: readonly (readonly [string, string])[]
  /** The body: UTF-8 text, or base64 when `base64` is true. */
  readonly body: string
  readonly base64: boolean
  /** A weak validator computed from the body, sent as `ETag`. */
  readonly etag: string
  /** Epoch ms: until then the entry is fresh (HIT), after it stale (STALE). */
  readonly freshUntil: number
}

/** What the `X-Cache` response header says. */
export type CacheStatus = 'HIT' | 'MISS' | 'STALE'

// Recomputed per reply (content-length, etag, date, age, x-cache) or meaningful only on
// the connection that carried the original response (the hop-by-hop ones).
const NOT_REPLAYED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'trailer',
  'content-length',
  'date',
  'age',
  'etag',
  'x-cache',
])

/**
 * Why a response must not be stored, or `undefined` when it may be: only `200` answers,
 * never one that sets a cookie or that its route marked `private` or `no-store`.
 */
export function uncacheableReason(status: number, headers: Iterable<readonly [string, string]>): string | undefined {
  if (status !== 200) return `status ${status}`
  for (const [name, value] of headers) {
    const lower = name.toLowerCase()
    if (lower === 'set-cookie') return 'it sets a cookie'
    if (lower === 'cache-control' && /(^|[\s,])(private|no-store)([\s,=]|$)/i.test(value)) return `Cache-Control: ${value}`
  }
  return undefined
}

/**
 * The request headers a response's own `Vary` names that the cache does not key by: `*`, or
 * names outside `keyedBy` (the route's `vary`, lower case). Such a response must not be
 * stored: a stored copy would be served to requests whose values of those headers differ.
 */
export function unkeyedVary(headers: Iterable<readonly [string, string]>, keyedBy: readonly string[]): string[] {
  const unkeyed = new Set<string>()
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'vary') continue
    for (const field of value.split(',')) {
      const varied = field.trim().toLowerCase()
      if (varied !== '' && (varied === '*' || !keyedBy.includes(varied))) unkeyed.add(varied)
    }
  }
  return [...unkeyed]
}

/**
 * A function that says, the first time only, that responses of a route are not stored
 * because their `Vary` names headers the route does not key by (one per middleware or
 * route, so a busy route does not flood the log).
 */
export function unkeyedVaryWarner(): (route: string, unkeyed: readonly string[]) => void {
  let warned = false
  return (route, unkeyed) => {
    if (warned) return
    warned = true
    const fix = unkeyed.includes('*')
      ? 'a response that varies on everything (`Vary: *`) is never cached'
      : `add ${unkeyed.map((name) => JSON.stringify(name)).join(', ')} to the route's \`vary\` option to cache one response per value`
    console.warn(
      `cachekit response cache: responses for ${JSON.stringify(route)} say Vary: ${unkeyed.join(', ')}, which the cache does not key by, so they are not stored; ${fix}.`,
    )
  }
}

/** The headers worth replaying, names lower-cased. */
export function replayableHeaders(headers: Iterable<readonly [string, string]>): [string, string][] {
  const kept: [string, string][] = []
  for (const [name, value] of headers) {
    const lower = name.toLowerCase()
    if (!NOT_REPLAYED.has(lower)) kept.push([lower, value])
  }
  return kept
}

/** True for media types stored as text rather than base64. */
export function isTextual(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  return /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded)\b|[^;]*\+(json|xml)\b)/i.test(contentType.trim())
}

/**
 * A weak ETag from the body: its length and a 53-bit hash (cyrb53). Not a security
 * measure: it only lets clients revalidate cheaply, and it needs no `node:crypto`.
 */
export function weakEtag(body: string | Uint8Array): string {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  const length = body.length
  for (let index = 0; index < length; index++) {
    const unit = typeof body === 'string' ? body.charCodeAt(index) : (body[index] as number)
    h1 = Math.imul(h1 ^ unit, 2654435761)
    h2 = Math.imul(h2 ^ unit, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  const hash = 4294967296 * (2097151 & h2) + (h1 >>> 0)
  return `W/"${length.toString(16)}-${hash.toString(36)}"`
}

/** True when an `If-None-Match` header names `etag` (weak comparison, `*` matches anything). */
export function etagMatches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  const bare = etag.replace(/^W\//, '')
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim()
    return tag === '*' || tag.replace(/^W\//, '') === bare
  })
}
