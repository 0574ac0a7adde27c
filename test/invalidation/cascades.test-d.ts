import { describe, expectTypeOf, it } from 'vitest'
import { createCachekit } from '../../src/kit.js'
import type { CascadeReport } from '../../src/cascades/cascades.js'
import { keys, VideoDb, videoBuilders } from '../builders/fixtures/video-platform.js'

const builders = videoBuilders(new VideoDb())
const kit = createCachekit({
  keys,
  builders,
  cascades: {
    'video.changed': ({ videoId }: { videoId: string; oldCategoryIds: string[]; newCategoryIds: string[] }) => ({
      keys: [keys.videoDetail({ id: videoId })],
    }),
    'tag.changed': (params: { tagId: string; categoryId: string }) => ({ tags: [`tag:${params.tagId}`] }),
  },
})

describe('kit.invalidate', () => {
  it('takes the parameters its cascade declares', () => {
    expectTypeOf(kit.invalidate('video.changed', { videoId: 'v1', oldCategoryIds: [], newCategoryIds: ['c'] })).toEqualTypeOf<
      Promise<CascadeReport>
    >()
    // @ts-expect-error a missing parameter
    void kit.invalidate('video.changed', { videoId: 'v1' })
    // @ts-expect-error the parameters of another cascade
    void kit.invalidate('tag.changed', { videoId: 'v1', oldCategoryIds: [], newCategoryIds: [] })
    // @ts-expect-error an undeclared cascade
    void kit.invalidate('video.deleted', { videoId: 'v1' })
  })
})

describe('kit.builders', () => {
  it('has one typed builder per registered definition', () => {
    expectTypeOf(kit.builders.videosByCategory.page({ categoryId: 'c' })).toEqualTypeOf<Promise<string[]>>()
    expectTypeOf(kit.builders.categoriesOfVideo.members({ videoId: 'v' })).toEqualTypeOf<Promise<string[]>>()
    expectTypeOf(kit.builders.categories.get({ id: 'c' })).resolves.toEqualTypeOf<{ id: string; name: string } | undefined>()
    // @ts-expect-error a parameter of another family
    void kit.builders.videosByCategory.page({ videoId: 'v' })
    // @ts-expect-error indexes of a set have no pages
    void kit.builders.categoriesOfVideo.page({ videoId: 'v' })
    // @ts-expect-error no such builder
    void kit.builders.videoCounts
  })

  it('names outputs for cascades with the family parameters', () => {
    // @ts-expect-error a parameter of another family
    builders.videosByCategory.for({ id: 'x' })
    expectTypeOf(builders.videosByCategory.for({ categoryId: 'x' }).params).toEqualTypeOf<Readonly<Record<string, unknown>>>()
  })
})
