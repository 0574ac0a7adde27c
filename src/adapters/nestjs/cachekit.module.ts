/**
 * `CachekitModule`: provides the kit to a Nest application (`forRoot` / `forRootAsync`,
 * `isGlobal`), with the HTTP interceptor and the rate-limit guard, and closes the kit it
 * created when the application shuts down.
 */
import { Inject, Module, type OnModuleDestroy } from '@nestjs/common'
import { createCachekit } from '../../kit.js'
import type { AnyCachekit } from '../shared/any-kit.js'
import { CachekitInterceptor } from './cachekit.interceptor.js'
import { CachekitRateLimitGuard } from './rate-limit.guard.js'
import { CACHEKIT_MODULE_OPTIONS, CachekitConfigurableModule, type CachekitModuleOptions } from './module-options.js'
import { CACHEKIT } from './tokens.js'

/**
 * The module. Import it once, usually global:
 *
 * @example
 * CachekitModule.forRoot({ isGlobal: true, prefix: 'app', environment: 'prod', driver: ioredisDriver({ url }) })
 * CachekitModule.forRootAsync({ isGlobal: true, inject: [ConfigService], useFactory: (config: ConfigService) => ({ driver: ioredisDriver({ url: config.get('REDIS_URL') }) }) })
 */
export class CachekitModule extends CachekitConfigurableModule implements OnModuleDestroy {
  constructor(
    private readonly kit: AnyCachekit,
    private readonly options: CachekitModuleOptions,
  ) {
    super()
  }

  /** Closes the kit if this module created it (one handed in as `kit` stays open). */
  async onModuleDestroy(): Promise<void> {
    if (this.options.kit === undefined) await this.kit.close()
  }
}

// Decorators applied as calls, which is exactly what the compiled form of `@Module(...)` and
// `@Inject(...)` does: src/ writes no decorator syntax, so the published code and types do
// not depend on a decorator mode. (tsconfig.json turns on `experimentalDecorators` only for
// the tests and examples, which write Nest apps the usual way.)
Module({
  providers: [
    {
      provide: CACHEKIT,
      useFactory: (options: CachekitModuleOptions) => options.kit ?? createCachekit(options),
      inject: [CACHEKIT_MODULE_OPTIONS],
    },
    CachekitInterceptor,
    CachekitRateLimitGuard,
  ],
  exports: [CACHEKIT, CACHEKIT_MODULE_OPTIONS, CachekitInterceptor, CachekitRateLimitGuard],
})(CachekitModule)
Inject(CACHEKIT)(CachekitModule, undefined, 0)
Inject(CACHEKIT_MODULE_OPTIONS)(CachekitModule, undefined, 1)
