/**
 * The Nest adapter on real Nest applications (@nestjs/testing, the Express platform)
 * over real HTTP on a loopback port, on the memory driver and a real Redis.
 */
import 'reflect-metadata'
import { Controller, Get, Injectable, Module, Param, Post, Req, type INestApplication, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common'
import { Test } from '@nestjs/testing'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Cached, CACHEKIT, CachekitModule, CacheResponse, InjectCachekit, RateLimit } from '../../src/adapters/nestjs/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'

const db = { video: vi.fn(async (id: string) => ({ id, title: `Video ${id}`, publishedAt: new Date('2024-05-01T00:00:00Z') })) }

@Injectable()
class VideosService {
  @Cached({ key: (id: string) => `video:${id}`, ttl: '10m', tags: (id: string) => [`video:${id}`] })
  async findOne(id: string) {
    return db.video(id)
  }
}

/** Stands in for Passport: a bearer token names the user. */
@Injectable()
class BearerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string>; user?: { id: string } }>()
    const token = req.headers.authorization?.replace('Bearer ', '')
    if (token) req.user = { id: token }
    return true
  }
}

const rendered = vi.fn()

@Controller()
class VideosController {
  constructor(
    private readonly videos: VideosService,
    @InjectCachekit() private readonly kit: Cachekit,
  ) {}

  @Get('videos/:id')
  @CacheResponse({ ttl: '1m', shared: true })
  async findOne(@Param('id') id: string) {
    rendered('video')
    return this.videos.findOne(id)
  }

  @Get('me/feed')
  @UseGuards(BearerGuard)
  @CacheResponse({ ttl: '1m' })
  feed(@Req() req: { user?: { id: string } }) {
    rendered('feed')
    return { for: req.user?.id ?? 'anonymous' }
  }

  @Get('unguarded/feed')
  @CacheResponse({ ttl: '1m' })
  unguarded() {
    return { for: 'whoever' }
  }

  // Decorators apply bottom-up: the auth guard below runs first, so req.user is set.
  @Post('videos/:id/like')
  @RateLimit('likes')
  @UseGuards(BearerGuard)
  like(@Param('id') id: string) {
    return { liked: id }
  }

  @Post('videos/:id/invalidate')
  async invalidate(@Param('id') id: string) {
    return { deleted: await this.kit.cache.delete(`video:${id}`) }
  }
}

const rateLimits = { likes: { algorithm: 'fixed-window', limit: 2, window: '1m' } } as const

describe.each(targets('memory', 'redis'))('CachekitModule on $name', ({ createDriver }) => {
  let app: INestApplication | undefined
  const start = async (cachekit: ReturnType<typeof CachekitModule.forRoot> | ReturnType<typeof CachekitModule.forRootAsync>) => {
    @Module({ imports: [cachekit], controllers: [VideosController], providers: [VideosService, BearerGuard] })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile()
    app = moduleRef.createNestApplication({ logger: false })
    await app.listen(0, '127.0.0.1')
    return app
  }
  afterEach(async () => {
    await app?.close()
    app = undefined
    db.video.mockClear()
    rendered.mockClear()
  })

  it('caches a service method with @Cached, and the kit is injectable', async () => {
    const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
    const service = nest.get(VideosService)
    const first = await service.findOne('7')
    const second = await service.findOne('7')
    expect(second).toEqual(first)
    expect(second.publishedAt).toBeInstanceOf(Date)
    expect(db.video).toHaveBeenCalledTimes(1)
    const kit = nest.get<Cachekit>(CACHEKIT)
    expect(await kit.cache.get('video:7')).toEqual(first)
  })

  it('caches GET responses with X-Cache and ETag, over HTTP', async () => {
    const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
    const http = nest.getHttpServer()
    const miss = await request(http).get('/videos/9')
    const hit = await request(http).get('/videos/9')
    expect(miss.headers['x-cache']).toBe('MISS')
    expect(hit.headers['x-cache']).toBe('HIT')
    expect(hit.body).toEqual(miss.body)
    expect(rendered).toHaveBeenCalledTimes(1)
    const notModified = await request(http).get('/videos/9').set('If-None-Match', hit.headers.etag as string)
    expect(notModified.status).toBe(304)
    await request(http).post('/videos/9/invalidate')
    expect((await request(http).get('/videos/9')).headers['x-cache']).toBe('HIT')
  })

  it('keys per user, so one user never sees another user\'s response', async () => {
    const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
    const http = nest.getHttpServer()
    const ada = await request(http).get('/me/feed').set('Authorization', 'Bearer ada')
    const grace = await request(http).get('/me/feed').set('Authorization', 'Bearer grace')
    const adaAgain = await request(http).get('/me/feed').set('Authorization', 'Bearer ada')
    expect(ada.body).toEqual({ for: 'ada' })
    expect(grace.body).toEqual({ for: 'grace' })
    expect(grace.headers['x-cache']).toBe('MISS')
    expect(adaAgain.headers['x-cache']).toBe('HIT')
    expect(adaAgain.body).toEqual({ for: 'ada' })
  })

  it('refuses a request with credentials when no user is known', async () => {
    const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
    const refused = await request(nest.getHttpServer()).get('/unguarded/feed').set('Authorization', 'Bearer ada')
    expect(refused.status).toBe(500)
    expect((await request(nest.getHttpServer()).get('/unguarded/feed')).status).toBe(200)
  })

  it('builds the kit in forRootAsync from injected configuration', async () => {
    @Module({ providers: [{ provide: 'CONFIG', useValue: { prefix: uniquePrefix() } }], exports: ['CONFIG'] })
    class ConfigModule {}
    const driver = createDriver()
    const nest = await start(
      CachekitModule.forRootAsync({ isGlobal: true, imports: [ConfigModule], inject: ['CONFIG'], useFactory: (config: { prefix: string }) => ({ driver, prefix: config.prefix }) }),
    )
    expect((await request(nest.getHttpServer()).get('/videos/1')).status).toBe(200)
    expect(nest.get<Cachekit>(CACHEKIT).namespace.prefix).toMatch(/^test-/)
  })

  it('limits a route with @RateLimit per user: 429 with Retry-After and the IETF headers', async () => {
    const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix(), rateLimits }))
    const http = nest.getHttpServer()
    const like = () => request(http).post('/videos/3/like').set('Authorization', 'Bearer ada')
    const first = await like()
    expect(first.status).toBe(201)
    expect(first.headers['ratelimit-policy']).toBe('"likes";q=2;w=60')
    await like()
    const refused = await like()
    expect(refused.status).toBe(429)
    expect(refused.body).toEqual({ error: 'Too Many Requests', policy: 'likes', retryAfter: expect.any(Number) })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect((await request(http).post('/videos/3/like').set('Authorization', 'Bearer grace')).status).toBe(201)
  })

  it('closes the kit it created when the app closes, and leaves a handed-in kit open', async () => {
    const created = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
    const own = created.get<Cachekit>(CACHEKIT)
    await created.close()
    app = undefined
    await expect(own.driver.get('x')).rejects.toMatchObject({ code: 'DRIVER_CLOSED' })

    const handed = createCachekit({ driver: createDriver(), prefix: uniquePrefix() })
    const borrowed = await start(CachekitModule.forRoot({ isGlobal: true, kit: handed }))
    await borrowed.close()
    app = undefined
    expect(await handed.driver.set('still', 'open')).toBe(true)
    await handed.close()
  })
})
