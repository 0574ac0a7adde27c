// cachekit/next: Next.js route handlers, server functions and middleware over a kit.
// Edge-safe: nothing here imports a `node:` module, nor Next itself.
export { cached, type CachedKit, type CachedOptions } from './cached.js'
export { cacheResponse, type CacheResponseOptions, type ResponseCacheKit } from './cache-response.js'
export { rateLimit, type NextRateLimit, type RateLimitOptions } from './rate-limit.js'
export { clientIp } from './client-ip.js'
export { ipKey, type IpKeyOptions } from '../../ratelimit/client-ip.js'
export type { FetchClientOptions } from '../shared/client-source.js'
export type { RateLimitKeyResult } from '../shared/rate-limit-key.js'
export { invalidateTags, type InvalidateTagsKit, type InvalidateTagsOptions } from './invalidate-tags.js'
export type { CachedResponse, CacheStatus } from '../shared/cached-response.js'
export type { RateLimitedBody, RateLimitHeaderStyle } from '../shared/rate-limit-http.js'
