// cachekit/express: Express middleware over a kit. Thin: request -> kit call -> response.
export { cacheResponse, type CacheResponseOptions, type ResponseCacheKit } from './cache-response.js'
export { rateLimit, type RateLimitOptions } from './rate-limit.js'
export { clientIp } from './client-ip.js'
export { ipKey, type IpKeyOptions } from '../../ratelimit/client-ip.js'
export type { RateLimitKeyResult } from '../shared/rate-limit-key.js'
export { adminRouter, type AdminRouterOptions } from './admin-router.js'
export {
  expressRateLimitStore,
  type CachekitRateLimitStore,
  type ExpressRateLimitStoreOptions,
  type RateLimitStoreKit,
} from './express-rate-limit-store.js'
export type { CachedResponse, CacheStatus } from '../shared/cached-response.js'
export type { RateLimitedBody, RateLimitHeaderStyle } from '../shared/rate-limit-http.js'
