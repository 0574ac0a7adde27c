/**
 * The video platform's cache, declared once: the key table, the builders that replace
 * the plan's CacheBuilder classes, and the cascades that replace its hand-written
 * `invalidateVideoChanges` / `invalidateCategoryChanges`. Snippets in docs/invalidation.md
 * and docs/builders.md are copied from this file.
 */
import { createCachekit, defineBuilder, defineKeys, typed } from 'cachekit'
import type { Driver } from 'cachekit/drivers'
import type { Category, FakeDb, Video } from './db.js'

export const keys = defineKeys({
  videoDetail: { template: 'video:detail:{id}', ttl: '1d', value: typed<Video>(), tags: ({ id }) => [`video:${id}`] },
  videoList: { template: 'video:list:{page}:{sort}', ttl: '5m', grace: '1m', value: typed<string[]>(), tags: ['video-lists'] },
  categoryVideos: { template: 'video:category:index:{categoryId}:videos', ttl: '4h', hashTag: 'categoryId' },
  videoCategories: { template: 'video:categories:{videoId}', ttl: '1d' },
  category: { template: 'category:by-id:{id}', ttl: '7d', value: typed<Category>(), tags: ({ id }) => [`category:${id}`] },
})

export function videoPlatform(db: FakeDb, driver?: Driver) {
  // Videos per category, newest first by score: the plan's VideoCategoryIndexBuilder.
  const videosByCategory = defineBuilder({
    key: keys.categoryVideos,
    kind: 'sorted-set',
    every: '2h',
    async *load({ only }) {
      for (const video of await db.publishedVideos(only?.categoryId === undefined ? undefined : String(only.categoryId))) {
        for (const categoryId of video.categoryIds) yield { params: { categoryId }, member: video.id, score: video.addedAt.getTime() }
      }
    },
  })

  // Categories per video: the plan's VideoCategoriesLookupBuilder.
  const categoriesOfVideo = defineBuilder({
    key: keys.videoCategories,
    kind: 'set',
    every: '2h',
    async load({ only }) {
      const videos = only ? [await db.video(String(only.videoId))] : await db.publishedVideos()
      return videos.flatMap((video) => (video ? video.categoryIds.map((categoryId) => ({ params: { videoId: video.id }, member: categoryId })) : []))
    },
  })

  // One entry per category, pre-loaded when the kit starts: the plan's CategoryCacheBuilder.
  const categories = defineBuilder({
    key: keys.category,
    warm: true,
    async load() {
      return (await db.allCategories()).map((category) => ({ params: { id: category.id }, value: category }))
    },
  })

  return createCachekit({
    driver,
    prefix: 'app',
    environment: 'prod',
    keys,
    builders: { videosByCategory, categoriesOfVideo, categories },
    cascades: {
      'video.changed': ({ videoId, oldCategoryIds, newCategoryIds }: { videoId: string; oldCategoryIds: string[]; newCategoryIds: string[] }) => ({
        keys: [keys.videoDetail({ id: videoId })],
        tags: [`video:${videoId}`],
        patterns: [keys.videoList.pattern()],
        rebuild: [
          categoriesOfVideo.for({ videoId }),
          ...[...new Set([...oldCategoryIds, ...newCategoryIds])].map((categoryId) => videosByCategory.for({ categoryId })),
        ],
      }),
      'category.changed': ({ categoryId }: { categoryId: string }) => ({
        tags: [`category:${categoryId}`],
        rebuild: [categories.for({ id: categoryId })],
      }),
    },
  })
}
