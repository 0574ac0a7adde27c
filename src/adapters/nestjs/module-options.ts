/** Options of `CachekitModule.forRoot` / `forRootAsync`, and the module definition built from them. */
import { ConfigurableModuleBuilder } from '@nestjs/common'
import type { Duration } from '../../core/duration.js'
import type { AnyCachekit, AnyCachekitOptions } from '../shared/any-kit.js'

/** What the HTTP interceptor needs to know about requests. */
export interface CachekitHttpOptions {
  /**
   * Who is asking: an id (string or number), `undefined` for nobody found, or `null` for
   * "signed out, whatever the cookies". The interceptor stores a result of a known user in
   * that user's key space (`nest:<url>:~u:<id>`), one without credentials (or with `null`)
   * in the anonymous one (`~anon`); a request with any `Cookie` or `Authorization` header
   * for which this returns `undefined` is refused on `@CacheResponse` routes (a
   * `ValidationError`, a 500) unless the route is `shared`. Anything but an id (an object,
   * a boolean) is refused too. The rate-limit guard counts by it as well.
   * @default `req.user?.id ?? req.user?.sub` (what Passport's guards set)
   * @example (req) => (req as { session?: { userId?: string } }).session?.userId
   */
  user?: (request: unknown) => string | number | null | undefined
  /**
   * TTL of routes whose `@CacheResponse()` names none.
   * @default '1m'
   */
  ttl?: Duration
  /**
   * The largest result the interceptor stores, for routes whose `@CacheResponse()` names
   * none (and every route under a global interceptor): see `CacheResponseOptions.maxBodyBytes`.
   * A positive integer, checked when the interceptor is created.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number
}

/** Options of {@link CachekitModule}: a kit you made, or the options to make one. */
export interface CachekitModuleOptions extends AnyCachekitOptions {
  /**
   * A kit you created: the module provides it and never closes it. Without it, the module
   * creates one from the other options and closes it in `onModuleDestroy`.
   */
  kit?: AnyCachekit
  /** Settings of the HTTP interceptor and the rate-limit guard. */
  http?: CachekitHttpOptions
}

export const {
  ConfigurableModuleClass: CachekitConfigurableModule,
  MODULE_OPTIONS_TOKEN: CACHEKIT_MODULE_OPTIONS,
  OPTIONS_TYPE: CACHEKIT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CACHEKIT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CachekitModuleOptions>({ moduleName: 'Cachekit' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build()
