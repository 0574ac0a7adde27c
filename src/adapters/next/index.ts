// cachekit/next: Next.js route handlers, server functions and middleware over a kit.
// Edge-safe: nothing here imports a `node:` module, nor Next itself.
export { cached, type CachedKit, type CachedOptions } from './cached.js'
export { cacheResponse, type CacheResponseOptions, type ResponseCacheKit } from './cache-response.js'
export type { CachedResponse, CacheStatus } from '../shared/cached-response.js'
