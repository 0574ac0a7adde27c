/**
 * A Nest application on cachekit: the module provides the kit, a service caches with
 * @Cached, a controller caches responses per user and rate-limits a route.
 *
 * Constructor parameters name their token with @Inject: this example runs under tsx,
 * whose compiler (esbuild) emits no decorator metadata. In an app built by `nest build`
 * (tsc with emitDecoratorMetadata) the plain `private readonly videos: VideosService` works.
 */
import { Controller, Get, Inject, Injectable, Module, Param, Post, Req, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common'
import type { Cachekit } from 'cachekit'
import { Cached, CachekitModule, CacheResponse, InjectCachekit, RateLimit } from 'cachekit/nestjs'
import { ioredisDriver } from 'cachekit/drivers/ioredis'

export const rateLimits = {
  likes: { algorithm: 'fixed-window', limit: 2, window: '1m' },
} as const

export const db = {
  queries: 0,
  async video(id: string) {
    this.queries++
    return { id, title: `Video ${id}`, publishedAt: new Date('2024-05-01T00:00:00Z') }
  },
}

@Injectable()
export class VideosService {
  @Cached({ key: (id: string) => `video:${id}`, ttl: '10m', tags: (id: string) => [`video:${id}`] })
  async findOne(id: string) {
    return db.video(id)
  }
}

/** Stands in for Passport's AuthGuard: a bearer token names the user. */
@Injectable()
export class BearerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; user?: { id: string } }>()
    const token = req.headers.authorization?.replace('Bearer ', '')
    if (token) req.user = { id: token }
    return true
  }
}

@Controller()
export class VideosController {
  constructor(
    @Inject(VideosService) private readonly videos: VideosService,
    @InjectCachekit() private readonly kit: Cachekit,
  ) {}

  @Get('videos/:id')
  @CacheResponse({ ttl: '1m', shared: true, tags: (req) => [`video:${req.params?.id}`] })
  findOne(@Param('id') id: string) {
    return this.videos.findOne(id)
  }

  // Keyed by URL and user: ada and grace never see each other's feed.
  @Get('me/feed')
  @UseGuards(BearerGuard)
  @CacheResponse({ ttl: '30s' })
  feed(@Req() req: { user?: { id: string } }) {
    return { for: req.user?.id ?? 'anonymous' }
  }

  // Guards run in the order written: the auth guard below runs before the rate limit.
  @Post('videos/:id/like')
  @RateLimit('likes')
  @UseGuards(BearerGuard)
  like(@Param('id') id: string) {
    return { liked: id }
  }

  @Post('videos/:id/edit')
  async edit(@Param('id') id: string) {
    await this.kit.cache.invalidateTags([`video:${id}`])
    return { edited: id }
  }
}

@Module({
  imports: [
    CachekitModule.forRoot({
      isGlobal: true,
      driver: process.env.REDIS_URL ? ioredisDriver({ url: process.env.REDIS_URL }) : undefined,
      prefix: 'nest-example',
      rateLimits,
    }),
  ],
  controllers: [VideosController],
  providers: [VideosService, BearerGuard],
})
export class AppModule {}
