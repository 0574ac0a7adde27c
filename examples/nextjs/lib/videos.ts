/** A pretend database, and the cached server function in front of it. */
import { cached } from 'cachekit/next'
import { kit } from './kit'

export interface Video {
  id: number
  title: string
}

export const db = {
  queries: 0,
  async videos(page: number): Promise<Video[]> {
    this.queries++
    return [1, 2, 3].map((index) => ({ id: (page - 1) * 3 + index, title: `Video ${(page - 1) * 3 + index}` }))
  },
}

export const listVideos = cached(kit, (page: number) => db.videos(page), { key: (page) => `videos:page:${page}`, ttl: '1m', tags: ['videos'] })
