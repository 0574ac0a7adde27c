/**
 * `invalidateTags(kit, tags, options)`: tag invalidation in the kit, and in Next's own
 * data cache when asked. Edge-safe (Next is never imported here: you pass its function).
 */
import type { CacheService } from '../../cache/cache-service.js'
import type { TagInvalidationOptions, TagInvalidationReport } from '../../invalidation/tag-invalidation.js'

/** Options of {@link invalidateTags}. */
export interface InvalidateTagsOptions extends TagInvalidationOptions {
  /**
   * Also invalidates Next's data cache (`fetch` caches, `unstable_cache`, `'use cache'`):
   * pass Next's `revalidateTag` (or `updateTag`), adapted to your Next version. Called
   * once per tag, after the kit's invalidation succeeded.
   * @default none: only the kit's entries are invalidated
   * @example (tag) => revalidateTag(tag, 'max')
   */
  revalidateTag?: (tag: string) => unknown
}

/** What {@link invalidateTags} needs of a kit. */
export interface InvalidateTagsKit {
  readonly cache: CacheService
}

/**
 * Invalidates `tags` in the kit (every instance sees it), then in Next's cache if
 * `revalidateTag` is given. Rejects as `kit.cache.invalidateTags` does; Next is then not
 * touched, so the two caches never disagree in the direction that serves old data from ours.
 *
 * @example
 * await invalidateTags(kit, ['videos'], { revalidateTag: (tag) => revalidateTag(tag, 'max') })
 */
export async function invalidateTags(
  kit: InvalidateTagsKit,
  tags: readonly string[],
  options: InvalidateTagsOptions = {},
): Promise<TagInvalidationReport> {
  const { revalidateTag, ...tagOptions } = options
  const report = await kit.cache.invalidateTags(tags, tagOptions)
  if (revalidateTag) for (const tag of report.tags) await revalidateTag(tag)
  return report
}
