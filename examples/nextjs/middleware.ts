/**
 * Rate limiting in middleware, on the edge runtime: every /api request is counted per
 * client address (IPv6 per /56) under the `api` policy (5 a minute here). With
 * UPSTASH_REDIS_REST_URL set, the count is shared by every edge instance.
 */
import { rateLimit } from 'cachekit/next'
import { NextResponse, type NextRequest } from 'next/server'
import { kit } from './lib/kit'

// Deployed behind one proxy that appends the client's address to X-Forwarded-For (Vercel,
// or nginx in front of `next start`): the client is the last entry, whatever it sent itself.
const limit = rateLimit(kit, { policy: 'api', trustedHops: 1 })

export function middleware(request: NextRequest) {
  return limit(request, () => NextResponse.next())
}

export const config = { matcher: '/api/:path*' }
