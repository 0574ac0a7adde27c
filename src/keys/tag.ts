/** What a tag may be, wherever one enters: key families, per-call tags, invalidations. */

/**
 * A tag names a stamp key in the store, so it must be a non-empty string that UTF-8 can
 * carry faithfully: a lone UTF-16 surrogate would be written as U+FFFD, and two distinct
 * tags would share one stamp.
 */
export function isTag(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.isWellFormed()
}
