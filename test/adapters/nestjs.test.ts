/**
 * The Nest adapter on real Nest applications (@nestjs/testing, the Express platform)
 * over real HTTP on a loopback port, on the memory driver and a real Redis.
 */
import 'reflect-metadata'
import {
  Controller,
  Get,
  Header,
  Headers,
  Injectable,
  Module,
  Param,
  Post,
  Req,
  Res,
  StreamableFile,
  type INestApplication,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common'
import { APP_INTERCEPTOR } from '@nestjs/core'
import { Test } from '@nestjs/testing'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  Cached,
  CACHEKIT,
  CachekitInterceptor,
  CachekitModule,
  CacheResponse,
  InjectCachekit,
  RateLimit,
} from '../../src/adapters/nestjs/index.js'
import type { CachekitWarning } from '../../src/ratelimit/warnings.js'
import { ValidationError } from '../../src/core/errors/index.js'
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

  // A custom auth cookie the module's default user (req.user) knows nothing of.
  @Get('cookie/feed')
  @CacheResponse({ ttl: '1m' })
  cookieFeed(@Headers('cookie') cookie: string | undefined) {
    return { for: /(?:^|;\s*)uid=([^;]+)/.exec(cookie ?? '')?.[1] ?? 'anonymous' }
  }

  @Get('greeting')
  @Header('Vary', 'Accept-Language')
  @CacheResponse({ ttl: '1m', shared: true })
  greeting(@Headers('accept-language') language: string | undefined) {
    rendered('greeting')
    return { text: language === 'fr' ? 'bonjour' : 'hello' }
  }

  @Get('greeting/keyed')
  @Header('Vary', 'Accept-Language')
  @CacheResponse({ ttl: '1m', shared: true, vary: ['accept-language'] })
  keyedGreeting(@Headers('accept-language') language: string | undefined) {
    rendered('keyed greeting')
    return { text: language === 'fr' ? 'bonjour' : 'hello' }
  }

  @Get('export')
  @CacheResponse({ ttl: '1m', shared: true, maxBodyBytes: 64 * 1024 })
  export() {
    rendered('export')
    return { rows: Array.from({ length: 2000 }, (_, id) => ({ id, name: `row ${id}`.padEnd(40, '.') })) }
  }

  @Get('export/small')
  @CacheResponse({ ttl: '1m', shared: true, maxBodyBytes: 64 * 1024 })
  smallExport() {
    rendered('small export')
    return { rows: Array.from({ length: 100 }, (_, id) => ({ id, name: `row ${id}`.padEnd(40, '.') })) }
  }

  @Get('export/default')
  @CacheResponse({ ttl: '1m', shared: true })
  defaultExport() {
    rendered('default export')
    return { text: 'x'.repeat(1024 * 1024) }
  }

  @Get('file')
  @CacheResponse({ ttl: '1m', shared: true })
  file() {
    rendered('file')
    return new StreamableFile(Buffer.from('file body'), { type: 'text/plain' })
  }

  @Get('raw')
  @CacheResponse({ ttl: '1m', shared: true })
  raw(@Res() res: { json: (body: unknown) => void }) {
    rendered('raw')
    res.json({ raw: true })
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

/** Routes without @CacheResponse, cached only by a global interceptor. */
@Controller()
class PlainController {
  @Get('plain')
  plain(@Headers('cookie') cookie: string | undefined) {
    rendered('plain')
    return { for: /(?:^|;\s*)uid=([^;]+)/.exec(cookie ?? '')?.[1] ?? 'anonymous' }
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
    const notModified = await request(http)
      .get('/videos/9')
      .set('If-None-Match', hit.headers.etag as string)
    expect(notModified.status).toBe(304)
    await request(http).post('/videos/9/invalidate')
    expect((await request(http).get('/videos/9')).headers['x-cache']).toBe('HIT')
  })

  it("keys per user, so one user never sees another user's response", async () => {
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
    // The key shape of test/adapters/response-key.test.ts, in Nest's space.
    expect(await nest.get<Cachekit>(CACHEKIT).cache.get('nest:/me/feed:~u:ada')).toMatchObject({ body: { for: 'ada' } })
  })

  it('refuses a request with credentials when no user is known', async () => {
    const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
    const refused = await request(nest.getHttpServer()).get('/unguarded/feed').set('Authorization', 'Bearer ada')
    expect(refused.status).toBe(500)
    expect((await request(nest.getHttpServer()).get('/unguarded/feed')).status).toBe(200)
  })

  it("never serves ada's feed to an anonymous URL that spells her key (GET /me/feed?page=2:user:ada)", async () => {
    const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
    const http = nest.getHttpServer()
    expect((await request(http).get('/me/feed?page=2').set('Authorization', 'Bearer ada')).body).toEqual({ for: 'ada' })
    const attacker = await request(http).get('/me/feed?page=2:user:ada')
    expect(attacker.body).toEqual({ for: 'anonymous' })
    expect(attacker.headers['x-cache']).toBe('MISS')
  })

  it('never serves ada a response an anonymous URL stored under her key', async () => {
    const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
    const http = nest.getHttpServer()
    await request(http).get('/me/feed?page=2:user:ada')
    const ada = await request(http).get('/me/feed?page=2').set('Authorization', 'Bearer ada')
    expect(ada.body).toEqual({ for: 'ada' })
    expect(ada.headers['x-cache']).toBe('MISS')
  })

  it('refuses a request with a custom auth cookie (uid) when no user is known, so its result is never served to others', async () => {
    const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
    const http = nest.getHttpServer()
    const ada = await request(http).get('/cookie/feed').set('Cookie', 'uid=ada')
    expect(ada.status).toBe(500)
    expect((await request(http).get('/cookie/feed')).body).toEqual({ for: 'anonymous' })
  })

  it('does not store a result whose route says Vary on a header outside `vary`; with `vary` it keys by it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    try {
      const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
      const http = nest.getHttpServer()
      await request(http).get('/greeting').set('Accept-Language', 'fr')
      expect((await request(http).get('/greeting').set('Accept-Language', 'en')).body).toEqual({ text: 'hello' })
      expect(warn).toHaveBeenCalledTimes(1)

      await request(http).get('/greeting/keyed').set('Accept-Language', 'fr')
      const english = await request(http).get('/greeting/keyed').set('Accept-Language', 'en')
      const french = await request(http).get('/greeting/keyed').set('Accept-Language', 'fr')
      expect([english.body, french.body]).toEqual([{ text: 'hello' }, { text: 'bonjour' }])
      expect([english.headers['x-cache'], french.headers['x-cache']]).toEqual(['MISS', 'HIT'])
      expect(rendered.mock.calls.filter(([name]) => name === 'keyed greeting')).toHaveLength(2)
    } finally {
      warn.mockRestore()
    }
  })

  describe('maxBodyBytes', () => {
    const warningsOf = (nest: INestApplication) => {
      const warnings: CachekitWarning[] = []
      nest.get<Cachekit>(CACHEKIT).events.on('warning', (warning) => warnings.push(warning))
      return warnings
    }
    const renders = (name: string) => rendered.mock.calls.filter(([called]) => called === name).length

    it("sends a result over the route's maxBodyBytes whole, stores nothing, runs the handler again, and warns once", async () => {
      const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
      const warnings = warningsOf(nest)
      const http = nest.getHttpServer()
      const first = await request(http).get('/export')
      const second = await request(http).get('/export')
      expect([first.status, first.headers['x-cache'], second.headers['x-cache']]).toEqual([200, 'MISS', 'MISS'])
      expect(first.body.rows).toHaveLength(2000)
      expect(second.body).toEqual(first.body)
      expect(renders('export')).toBe(2)
      expect(await nest.get<Cachekit>(CACHEKIT).cache.get('nest:/export:~shared')).toBeUndefined()
      expect(warnings).toEqual([{ code: 'RESPONSE_TOO_LARGE', route: '/export', message: expect.stringContaining('(65536 bytes)') }])
    })

    it('stores a result under the cap, and passes one over the default 1 MiB through', async () => {
      const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
      const warnings = warningsOf(nest)
      const http = nest.getHttpServer()
      for (const path of ['/export/small', '/export/small', '/export/default', '/export/default']) await request(http).get(path)
      expect((await request(http).get('/export/small')).headers['x-cache']).toBe('HIT')
      const big = await request(http).get('/export/default')
      expect([big.headers['x-cache'], big.body.text.length]).toEqual(['MISS', 1024 * 1024])
      expect([renders('small export'), renders('default export')]).toEqual([1, 3])
      expect(warnings.map((warning) => warning.route)).toEqual(['/export/default'])
    })

    it("takes the module's http.maxBodyBytes for routes that name none", async () => {
      const nest = await start(
        CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix(), http: { maxBodyBytes: 16 } }),
      )
      const warnings = warningsOf(nest)
      const http = nest.getHttpServer()
      await request(http).get('/videos/9')
      const again = await request(http).get('/videos/9')
      expect(again.headers['x-cache']).toBe('MISS')
      expect(again.body).toMatchObject({ id: '9' })
      expect(warnings.map((warning) => [warning.code, warning.route])).toEqual([['RESPONSE_TOO_LARGE', '/videos/9']])
      // The route's own cap wins over the module's.
      await request(http).get('/export/small')
      expect((await request(http).get('/export/small')).headers['x-cache']).toBe('HIT')
    })

    it('passes a StreamableFile through on every request and stores nothing', async () => {
      const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
      const http = nest.getHttpServer()
      const first = await request(http).get('/file')
      const second = await request(http).get('/file')
      expect([first.text, second.text]).toEqual(['file body', 'file body'])
      expect(renders('file')).toBe(2)
    })

    it('refuses to start with a module http.maxBodyBytes that is not a positive integer', async () => {
      await expect(
        start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix(), http: { maxBodyBytes: 0 } })),
      ).rejects.toBeInstanceOf(ValidationError)
    })
  })

  it('runs a handler that answers through @Res() once per request, and stores nothing', async () => {
    const nest = await start(CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() }))
    const http = nest.getHttpServer()
    expect((await request(http).get('/raw')).body).toEqual({ raw: true })
    expect((await request(http).get('/raw')).body).toEqual({ raw: true })
    expect(rendered.mock.calls.filter(([name]) => name === 'raw')).toHaveLength(2)
  })

  it('as a global interceptor, runs an undecorated route uncached for credentials without a user, and caches anonymous requests', async () => {
    @Module({
      imports: [CachekitModule.forRoot({ isGlobal: true, driver: createDriver(), prefix: uniquePrefix() })],
      controllers: [PlainController],
      providers: [{ provide: APP_INTERCEPTOR, useExisting: CachekitInterceptor }],
    })
    class GlobalModule {}
    const moduleRef = await Test.createTestingModule({ imports: [GlobalModule] }).compile()
    app = moduleRef.createNestApplication({ logger: false })
    await app.listen(0, '127.0.0.1')
    const http = app.getHttpServer()
    const ada = await request(http).get('/plain').set('Cookie', 'uid=ada')
    const anonymous = await request(http).get('/plain')
    const again = await request(http).get('/plain')
    expect([ada.status, ada.body, ada.headers['x-cache']]).toEqual([200, { for: 'ada' }, undefined])
    expect([anonymous.body, anonymous.headers['x-cache'], again.headers['x-cache']]).toEqual([{ for: 'anonymous' }, 'MISS', 'HIT'])
    expect(rendered.mock.calls.filter(([name]) => name === 'plain')).toHaveLength(2)
  })

  it('builds the kit in forRootAsync from injected configuration', async () => {
    @Module({ providers: [{ provide: 'CONFIG', useValue: { prefix: uniquePrefix() } }], exports: ['CONFIG'] })
    class ConfigModule {}
    const driver = createDriver()
    const nest = await start(
      CachekitModule.forRootAsync({
        isGlobal: true,
        imports: [ConfigModule],
        inject: ['CONFIG'],
        useFactory: (config: { prefix: string }) => ({ driver, prefix: config.prefix }),
      }),
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

describe('CacheResponse setup', () => {
  it('refuses bad vary names, a bad ttl and a non-boolean shared when the route is decorated', () => {
    expect(() => CacheResponse({ vary: ['bad header'] })).toThrow(ValidationError)
    expect(() => CacheResponse({ vary: ['*'] })).toThrow(ValidationError)
    expect(() => CacheResponse({ ttl: '5 minutes' })).toThrow(ValidationError)
    expect(() => CacheResponse({ shared: 'yes' as never })).toThrow(ValidationError)
    for (const maxBodyBytes of [0, -1, 1.5, '1mb'])
      expect(() => CacheResponse({ maxBodyBytes: maxBodyBytes as never })).toThrow(ValidationError)
  })
})
