/**
 * `cached(kit, fn, options)`: a server function whose results live in the kit, the
 * cachekit counterpart of Next's `unstable_cache`. Edge-safe.
 */
import type { CacheService } from '../../cache/cache-service.js'
import type { CacheCallOptions } from '../../cache/types.js'
import { parseDuration, type Duration } from '../../core/duration.js'
import { ValidationError } from '../../core/errors/index.js'
import { escapeParam } from '../../keys/escape.js'

/** Options of {@link cached}. */
export interface CachedOptions<Args extends readonly unknown[], Value> {
  /**
   * The cache key: a function of the arguments, or a fixed prefix to which each argument
   * is appended as an escaped segment (`'videos'` + `(2, 'new')` -> `videos:2:new`;
   * `undefined`, `null` and objects as `%undefined`, `%null`, `%json<escaped JSON>`, which
   * no string argument can spell). A key function that builds a key from a user id should
   * escape it (`escapeParam`), so no id can reach into another segment.
   * @example (page: number) => `videos:page:${page}`
   */
  key: string | ((...args: Args) => string)
  /**
   * How long a result is fresh.
   * @default the kit's defaultTtl
   * @example '5m'
   */
  ttl?: Duration
  /**
   * How long after `ttl` the stale result is still served while it is refreshed.
   * @default the kit's defaultGrace
   */
  grace?: Duration
  /**
   * Tags of the entry, for `invalidateTags`: fixed, or computed from the arguments.
   * @example (page) => ['videos', `videos:page:${page}`]
   */
  tags?: readonly string[] | ((...args: Args) => readonly string[])
  /** Tags computed from the result, added to `tags`. */
  tagsOf?: (value: Value) => readonly string[]
}

/** What {@link cached} needs of a kit. */
export interface CachedKit {
  readonly cache: CacheService
}

/**
 * Wraps `fn` so that calls with the same key share one cached result: one `fn` call per
 * key at a time (in this process and across processes), stale-while-revalidate within
 * grace. When Redis is away, `fn` runs and its result is returned.
 *
 * @throws {ValidationError} at setup for a bad key or duration; each call rejects with one for a key it cannot build.
 * @example
 * export const getVideos = cached(kit, async (page: number) => db.videos(page), { key: (page) => `videos:page:${page}`, ttl: '1m', tags: ['videos'] })
 */
export function cached<Args extends readonly unknown[], Value>(
  kit: CachedKit,
  fn: (...args: Args) => Value | Promise<Value>,
  options: CachedOptions<Args, Value>,
): (...args: Args) => Promise<Value> {
  if (typeof fn !== 'function') throw new ValidationError('cached: fn must be a function')
  const { key, tags, tagsOf } = options
  if (typeof key !== 'function' && (typeof key !== 'string' || key.length === 0))
    throw new ValidationError('cached: key must be a non-empty string or a function of the arguments')
  const ttlMs = options.ttl === undefined ? undefined : parseDuration(options.ttl, 'ttl')
  const graceMs = options.grace === undefined ? undefined : parseDuration(options.grace, 'grace')
  return async function cachedFunction(...args: Args): Promise<Value> {
    const cacheKey = typeof key === 'function' ? key(...args) : [key, ...args.map(argumentSegment)].join(':')
    const fixedTags = typeof tags === 'function' ? tags(...args) : tags
    const callOptions: CacheCallOptions<Value> = {}
    if (ttlMs !== undefined) callOptions.ttl = ttlMs
    if (graceMs !== undefined) callOptions.grace = graceMs
    if (fixedTags !== undefined || tagsOf !== undefined)
      callOptions.tags = (value: Value) => [...(fixedTags ?? []), ...(tagsOf?.(value) ?? [])]
    return kit.cache.getOrSet<Value>(cacheKey, () => fn(...args), callOptions)
  }
}

/**
 * One argument as one key segment. Strings, numbers, booleans and bigints are their escaped
 * text (`42` and `'42'` meet on purpose, as in `escapeParam`). `undefined`, `null` and
 * objects get a `%` form no escaped string can take (an escaped `%` is always `%` and two
 * upper-case hex digits), so `undefined` never meets the string `'undefined'` (an anonymous
 * call never meets a user called "undefined"), nor `{ a: 1 }` the string `'{"a":1}'`.
 */
function argumentSegment(arg: unknown): string {
  if (typeof arg === 'string') return escapeParam(arg, 'argument')
  if (typeof arg === 'number' || typeof arg === 'boolean' || typeof arg === 'bigint') return escapeParam(String(arg), 'argument')
  if (arg === undefined) return '%undefined'
  if (arg === null) return '%null'
  const json = JSON.stringify(arg)
  if (json === undefined)
    throw new ValidationError(`cached: cannot build a key from an argument of type ${typeof arg}; pass a key function`)
  return `%json${escapeParam(json, 'argument')}`
}
