/** The kit's `tags` option and how it resolves. */
import { parseDuration, type Duration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'
import { TAG_DEFAULTS } from './tag-stamps.js'

/** Options of tag invalidation (`createCachekit({ tags })`). */
export interface TagOptions {
  /**
   * How long a tag invalidation is remembered. An entry that outlived it would come back
   * to life, so a tagged entry may not live longer (ttl + grace): such writes are refused
   * with a `ValidationError`. Give it explicitly when processes sharing a Redis have
   * different key tables.
   * @default the longest ttl + grace of the `keys` table, or one day without one
   * @example '7d'
   */
  maxAge?: Duration
  /**
   * How long a process uses a tag's invalidation time before asking Redis again. With
   * pub/sub (ioredis, memory, Upstash) every invalidation reaches every process at once
   * and this only bounds how long a lost message can matter; without pub/sub it is how
   * long another process may still serve an invalidated entry. `0` asks on every read
   * of a tagged entry that L1 does not answer.
   * @default '60s' while the bus is subscribed, '1s' otherwise
   */
  localTtl?: Duration
}

/** Resolves `options.tags` against the key table. */
export function resolveTagOptions(option: TagOptions | undefined, keys: unknown): { tagMaxAgeMs: number; tagTrustMs: number | undefined } {
  if (option !== undefined && (typeof option !== 'object' || option === null))
    throw new ValidationError('tags must be an object: { maxAge?, localTtl? }')
  const tagMaxAgeMs =
    option?.maxAge === undefined ? (longestLifetime(keys) ?? TAG_DEFAULTS.maxAgeMs) : parseDuration(option.maxAge, 'tags.maxAge')
  if (tagMaxAgeMs <= 0) throw new ValidationError('tags.maxAge must be positive')
  return { tagMaxAgeMs, tagTrustMs: option?.localTtl === undefined ? undefined : parseDuration(option.localTtl, 'tags.localTtl') }
}

/** The longest ttl + grace among the families of a `defineKeys` table, or undefined. */
function longestLifetime(keys: unknown): number | undefined {
  if (typeof keys !== 'object' || keys === null) return undefined
  let longest: number | undefined
  for (const family of Object.values(keys)) {
    const { ttlMs, graceMs } = family as { ttlMs?: unknown; graceMs?: unknown }
    if (typeof family === 'function' && typeof ttlMs === 'number' && typeof graceMs === 'number')
      longest = Math.max(longest ?? 0, ttlMs + graceMs)
  }
  return longest
}
