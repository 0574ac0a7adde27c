// cachekit/nestjs: a Nest module that provides the kit, a @Cached method decorator, an
// HTTP interceptor with per-user keys, and a rate-limit guard.
export { CachekitModule } from './cachekit.module.js'
export {
  CACHEKIT_ASYNC_OPTIONS_TYPE,
  CACHEKIT_MODULE_OPTIONS,
  CACHEKIT_OPTIONS_TYPE,
  type CachekitHttpOptions,
  type CachekitModuleOptions,
} from './module-options.js'
export { CACHEKIT, InjectCachekit } from './tokens.js'
export { Cached, type CachedOptions } from './cached.decorator.js'
export { CacheResponse, CachekitInterceptor, type CacheResponseOptions, type HttpRequest } from './cachekit.interceptor.js'
export { CachekitRateLimitGuard, RateLimit, type RateLimitOptions, type RateLimitRequest } from './rate-limit.guard.js'
export { ipKey, type IpKeyOptions } from '../../ratelimit/client-ip.js'
