// cachekit/hono: Hono middleware over a kit. Edge-safe: nothing here imports a `node:` module.
export { cacheResponse, type CacheResponseOptions, type ResponseCacheKit } from './cache-response.js'
export { rateLimit, type RateLimitOptions } from './rate-limit.js'
export { clientIp } from './client-ip.js'
export { ipKey, type IpKeyOptions } from '../../ratelimit/client-ip.js'
export type { FetchClientOptions } from '../shared/client-source.js'
export type { RateLimitKeyResult } from '../shared/rate-limit-key.js'
export type { CachedResponse, CacheStatus } from '../shared/cached-response.js'
export type { RateLimitedBody, RateLimitHeaderStyle } from '../shared/rate-limit-http.js'
