// cachekit/hono: Hono middleware over a kit. Edge-safe: nothing here imports a `node:` module.
export { cacheResponse, type CacheResponseOptions, type ResponseCacheKit } from './cache-response.js'
export type { CachedResponse, CacheStatus } from '../shared/cached-response.js'
