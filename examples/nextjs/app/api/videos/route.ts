import { cacheResponse } from 'cachekit/next'
import { kit } from '../../../lib/kit'
import { db, listVideos } from '../../../lib/videos'

function pageOf(request: Request): number {
  return Math.max(1, Number(new URL(request.url).searchParams.get('page') ?? 1) || 1)
}

export const GET = cacheResponse(
  kit,
  async (request: Request) => {
    const page = pageOf(request)
    return Response.json({ page, videos: await listVideos(page), queries: db.queries })
  },
  // The same page for everyone: shared, so visitors with cookies are served it too.
  { key: (request) => `page:videos:${pageOf(request)}`, ttl: '1m', tags: ['videos'], shared: true },
)
