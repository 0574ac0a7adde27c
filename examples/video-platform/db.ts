/**
 * A fake database for the video platform of the reference plan: videos in several
 * categories (`categoryIds: string[]`), categories, and the queries the caches need. It
 * counts queries, so the example can show what the cache saves.
 */
export interface Video {
  id: string
  title: string
  categoryIds: string[]
  addedAt: Date
  published: boolean
}

export interface Category {
  id: string
  name: string
  tagNames: string[]
}

export class FakeDb {
  readonly videos = new Map<string, Video>()
  readonly categories = new Map<string, Category>()
  queries = 0

  /** `videoCount` videos over `categoryCount` categories, the same every run. */
  constructor(videoCount: number, categoryCount: number) {
    for (let c = 0; c < categoryCount; c++) this.categories.set(`cat-${c}`, { id: `cat-${c}`, name: `Category ${c}`, tagNames: [`tag-${c}`] })
    for (let v = 0; v < videoCount; v++) {
      const first = (v * 7) % categoryCount
      const categoryIds = v % 3 === 0 ? [`cat-${first}`, `cat-${(first + 1) % categoryCount}`] : [`cat-${first}`]
      this.videos.set(`v${v}`, { id: `v${v}`, title: `Video ${v}`, categoryIds, addedAt: new Date(Date.UTC(2025, 0, 1) + v * 60_000), published: v % 13 !== 12 })
    }
  }

  /** Published videos, optionally of one category (the index builders' query). */
  async publishedVideos(categoryId?: string): Promise<Video[]> {
    this.queries++
    return [...this.videos.values()].filter((video) => video.published && (categoryId === undefined || video.categoryIds.includes(categoryId)))
  }

  async video(id: string): Promise<Video | undefined> {
    this.queries++
    return this.videos.get(id)
  }

  async allCategories(): Promise<Category[]> {
    this.queries++
    return [...this.categories.values()]
  }

  /** The admin's update: moves a video to other categories and returns the ones it left. */
  async setVideoCategories(id: string, categoryIds: string[]): Promise<string[]> {
    this.queries++
    const video = this.videos.get(id)
    if (!video) throw new Error(`no video ${id}`)
    const old = video.categoryIds
    video.categoryIds = categoryIds
    return old
  }
}
