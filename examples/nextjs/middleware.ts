/**
 * Rate limiting in middleware, on the edge runtime: every /api request is counted per
 * client under the `api` policy (5 a minute here). With UPSTASH_REDIS_REST_URL set, the
 * count is shared by every edge instance.
 */
import { rateLimit } from 'cachekit/next'
import { NextResponse, type NextRequest } from 'next/server'
import { kit } from './lib/kit'

const limit = rateLimit(kit, {
  policy: 'api',
  key: (request: NextRequest) => request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || 'anonymous',
})

export function middleware(request: NextRequest) {
  return limit(request, () => NextResponse.next())
}

export const config = { matcher: '/api/:path*' }
