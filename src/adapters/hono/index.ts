// cachekit/hono: Hono middleware over a kit. Edge-safe: nothing here imports a `node:` module.
export { cacheResponse, type CacheResponseOptions, type ResponseCacheKit } from './cache-response.js'
export { rateLimit, type RateLimitOptions } from './rate-limit.js'
export type { CachedResponse, CacheStatus } from '../shared/cached-response.js'
export type { RateLimitedBody, RateLimitHeaderStyle } from '../shared/rate-limit-http.js'
