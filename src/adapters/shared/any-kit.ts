import type { Cachekit, CachekitOptions } from '../../kit.js'

/** A kit, whatever its key table and policies: what adapters accept. */
export type AnyCachekit = Cachekit<any, any>

/** Options of `createCachekit`, whatever the key table and policies. */
export type AnyCachekitOptions = CachekitOptions<any, any>

/** The rate-limit policy names of a kit, for typed `policy` options. */
export type PolicyOf<Kit extends AnyCachekit> = Parameters<Kit['rateLimits']['limiter']>[0]
