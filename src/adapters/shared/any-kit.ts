import type { Cachekit, CachekitOptions } from '../../kit.js'

/** A kit, whatever its key table and policies: what adapters accept. */
export type AnyCachekit = Cachekit<any>

/** Options of `createCachekit`, whatever the key table and policies. */
export type AnyCachekitOptions = CachekitOptions<any>
