/** Options, report and input checks of `kit.cache.invalidateTags`. */
import { ValidationError } from '../core/errors/index.js'
import { isTag } from '../keys/tag.js'
import type { TagInvalidationMode } from './tag-stamps.js'

/** Options of `kit.cache.invalidateTags`. */
export interface TagInvalidationOptions {
  /**
   * What happens to the entries the tags reach:
   * - `'delete'`: they are misses from now on, even within their grace (a `getOrSet`
   *   waits for the loader; nothing invalidated is served).
   * - `'expire'`: they become stale, as if their TTL had just ended: within what is left
   *   of their grace, `getOrSet` answers with the old value while one refresh runs, and
   *   `get` returns it only with `allowStale`. Entries without grace are misses. Use it
   *   when old data is harmless for a moment (counts, listings), never when it is wrong.
   * @default 'delete'
   */
  mode?: 'delete' | 'expire'
  /**
   * What a driver failure does. Either way this process treats the entries as invalidated
   * at once, and the stamps that could not be stored wait in an in-process outbox that
   * sends them (and their bus announcement) again once the driver answers: `'fail-open'`
   * resolves, listing them in `queued` (a `degraded` event reports it); `'throw'` rejects
   * with the driver's error (strict: for callers that must know).
   * @default the kit's `onError` ('fail-open')
   */
  onError?: 'fail-open' | 'throw'
}

/** What `kit.cache.invalidateTags` did. */
export interface TagInvalidationReport {
  /** The tags invalidated (duplicates removed). */
  readonly tags: readonly string[]
  readonly mode: 'delete' | 'expire'
  /** The invalidation time: entries of these tags created at or before it are reached. 0 when nothing was done (kill switch, no tags). */
  readonly invalidatedAt: number
  readonly durationMs: number
  /**
   * Tags whose stamp could not be stored (the driver was away): they wait in the outbox,
   * are sent again when the driver answers, and meanwhile this process treats their entries
   * as invalidated. Empty when every stamp was stored.
   */
  readonly queued: readonly string[]
}

/**
 * Checks the tags and mode of an invalidation.
 *
 * @throws {ValidationError} when `tags` is not an array of non-empty strings or `mode` is unknown.
 */
export function resolveTagInvalidation(
  tags: unknown,
  options: TagInvalidationOptions,
): { tags: string[]; mode: TagInvalidationMode; label: 'delete' | 'expire' } {
  if (!Array.isArray(tags)) throw new ValidationError('invalidateTags takes an array of tags')
  for (const tag of tags) {
    if (!isTag(tag)) throw new ValidationError(`tags must be non-empty strings, got ${JSON.stringify(tag)}`)
  }
  const label = options.mode ?? 'delete'
  if (label !== 'delete' && label !== 'expire') throw new ValidationError(`mode must be 'delete' or 'expire', got ${String(label)}`)
  return { tags: [...new Set(tags as string[])], mode: label === 'delete' ? 'hard' : 'soft', label }
}
