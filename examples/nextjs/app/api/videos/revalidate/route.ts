import { invalidateTags } from 'cachekit/next'
import { revalidateTag } from 'next/cache'
import { kit } from '../../../../lib/kit'

// After a write: drop every cached page of videos, in cachekit and in Next's own cache.
export async function POST() {
  const report = await invalidateTags(kit, ['videos'], { revalidateTag: (tag) => revalidateTag(tag, 'max') })
  return Response.json({ invalidated: report.tags })
}
