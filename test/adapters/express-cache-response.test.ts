/**
 * cacheResponse on a real Express app over real HTTP (supertest against a server on a
 * loopback port), on the memory driver and a real Redis.
 */
import { get as httpRequestGet, type IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import express, { type Express } from 'express'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cacheResponse } from '../../src/adapters/express/index.js'
import type { CachekitWarning } from '../../src/ratelimit/warnings.js'
import { ValidationError } from '../../src/core/errors/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { listen, type Listening } from './listen.js'

describe.each(targets('memory', 'redis'))('cacheResponse on $name', ({ createDriver }) => {
  let kit: Cachekit
  let server: Listening
  const serve = async (build: (app: Express) => void) => {
    kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix() })
    const app = express()
    build(app)
    app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: error.name, message: error.message })
    })
    server = await listen(app)
    return server.server
  }
  afterEach(async () => {
    await server?.close()
    await kit?.close()
  })

  it('runs the route on a miss, then answers from the cache without it', async () => {
    const route = vi.fn(
      (req: express.Request, res: express.Response) => void res.json({ page: Number(req.query.page), at: route.mock.calls.length }),
    )
    const http = await serve((app) =>
      app.get('/videos', cacheResponse(kit, { key: (req) => `page:videos:${Number(req.query.page ?? 1)}`, ttl: '1m' }), route),
    )

    const miss = await request(http).get('/videos?page=2')
    const hit = await request(http).get('/videos?page=2')

    expect(miss.status).toBe(200)
    expect(miss.headers['x-cache']).toBe('MISS')
    expect(hit.headers['x-cache']).toBe('HIT')
    expect(hit.body).toEqual(miss.body)
    expect(hit.headers['content-type']).toMatch(/^application\/json/)
    expect(hit.headers.etag).toBe(miss.headers.etag)
    expect(route).toHaveBeenCalledTimes(1)
  })

  it('answers 304 to a matching If-None-Match, on a hit and on a miss', async () => {
    const http = await serve((app) =>
      app.get('/about', cacheResponse(kit, { key: () => 'page:about', ttl: '1m' }), (_req, res) => void res.type('text').send('about us')),
    )
    const first = await request(http).get('/about')
    const etag = first.headers.etag as string
    expect(etag).toMatch(/^W\/"/)

    const revalidated = await request(http).get('/about').set('If-None-Match', etag)
    expect(revalidated.status).toBe(304)
    expect(revalidated.headers['x-cache']).toBe('HIT')
    expect(revalidated.text).toBe('')

    await kit.cache.delete('http:page%3Aabout:~anon')
    const missRevalidated = await request(http).get('/about').set('If-None-Match', etag)
    expect(missRevalidated.status).toBe(304)
    expect(missRevalidated.headers['x-cache']).toBe('MISS')
  })

  it('runs the route once for concurrent misses of one key', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const route = vi.fn(async (_req: express.Request, res: express.Response) => {
      await gate
      res.json({ rendered: true })
    })
    const http = await serve((app) => app.get('/slow', cacheResponse(kit, { key: () => 'page:slow', ttl: '1m' }), route))
    const crowd = Array.from({ length: 10 }, () =>
      request(http)
        .get('/slow')
        .then((response) => response),
    )
    await vi.waitFor(() => expect(route).toHaveBeenCalledTimes(1))
    release()
    const responses = await Promise.all(crowd)
    expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 10 }, () => 200))
    expect(responses.filter((response) => response.headers['x-cache'] === 'MISS')).toHaveLength(1)
    expect(route).toHaveBeenCalledTimes(1)
  })

  it('stores binary bodies faithfully', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 128, 10, 13])
    const http = await serve((app) =>
      app.get('/logo', cacheResponse(kit, { key: () => 'asset:logo', ttl: '1m' }), (_req, res) => void res.type('image/png').send(bytes)),
    )
    await request(http).get('/logo')
    const hit = await request(http)
      .get('/logo')
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => done(null, Buffer.concat(chunks)))
      })
    expect(hit.headers['x-cache']).toBe('HIT')
    expect(Buffer.compare(hit.body as Buffer, bytes)).toBe(0)
  })

  it('stores neither errors nor responses that set cookies or say private', async () => {
    const route = vi.fn()
    const http = await serve((app) => {
      const cached = cacheResponse(kit, { key: (req) => `page:${req.path.slice(1)}`, ttl: '1m' })
      app.get('/broken', cached, (_req, res) => {
        route()
        res.status(503).json({ down: true })
      })
      app.get('/cookie', cached, (_req, res) => {
        route()
        res.cookie('seen', '1').json({ ok: true })
      })
      app.get('/private', cached, (_req, res) => {
        route()
        res.set('Cache-Control', 'private, max-age=60').json({ ok: true })
      })
    })
    for (const path of ['/broken', '/cookie', '/private']) {
      await request(http).get(path)
      const again = await request(http).get(path)
      expect(again.headers['x-cache'], path).toBe('MISS')
    }
    expect((await request(http).get('/broken')).status).toBe(503)
    expect(route).toHaveBeenCalledTimes(7)
  })

  it('keys by the headers named in vary, and says Vary', async () => {
    const http = await serve((app) =>
      app.get(
        '/greeting',
        cacheResponse(kit, { key: () => 'page:greeting', ttl: '1m', vary: ['Accept-Language'] }),
        (req, res) => void res.json({ text: req.get('accept-language') === 'fr' ? 'bonjour' : 'hello' }),
      ),
    )
    await request(http).get('/greeting').set('Accept-Language', 'fr')
    const english = await request(http).get('/greeting').set('Accept-Language', 'en')
    const french = await request(http).get('/greeting').set('Accept-Language', 'fr')
    expect(english.body).toEqual({ text: 'hello' })
    expect(english.headers['x-cache']).toBe('MISS')
    expect(french.body).toEqual({ text: 'bonjour' })
    expect(french.headers['x-cache']).toBe('HIT')
    expect(french.headers.vary).toMatch(/accept-language/i)
  })

  it('refuses any Cookie or Authorization header when user names nobody, unless the route is shared', async () => {
    const http = await serve((app) => {
      app.get('/dashboard', cacheResponse(kit, { key: () => 'page:dashboard', ttl: '1m' }), (_req, res) => void res.json({ ok: true }))
      app.get(
        '/catalogue',
        cacheResponse(kit, { key: () => 'page:catalogue', ttl: '1m', shared: true }),
        (_req, res) => void res.json({ ok: true }),
      )
    })
    for (const [name, value] of [
      ['Cookie', 'connect.sid=s%3Aabc'],
      ['Cookie', 'theme=dark'],
      ['Authorization', 'Basic YWRhOnB3'],
    ]) {
      const refused = await request(http)
        .get('/dashboard')
        .set(name as string, value as string)
      expect(refused.status, value).toBe(500)
      expect(refused.body.message).toContain('carries credentials (a Cookie or Authorization header) but no user was found')
      expect(refused.body.message).toContain('run your auth middleware before cacheResponse')
    }
    expect((await request(http).get('/dashboard')).status).toBe(200)
    expect((await request(http).get('/catalogue').set('Cookie', 'connect.sid=s%3Aabc')).status).toBe(200)
  })

  it('refuses a user option that returns an object instead of an id (every user would share one entry)', async () => {
    const route = vi.fn((_req: express.Request, res: express.Response) => void res.json({ ok: true }))
    const http = await serve((app) => {
      app.use((req, _res, next) => {
        Object.assign(req, { account: { name: req.get('authorization') } })
        next()
      })
      app.get(
        '/me',
        cacheResponse(kit, { key: () => 'page:me', ttl: '1m', user: (req) => (req as express.Request & { account: never }).account }),
        route,
      )
    })
    const refused = await request(http).get('/me').set('Authorization', 'Bearer ada')
    expect(refused.status).toBe(500)
    expect(refused.body).toMatchObject({
      error: 'ValidationError',
      message: expect.stringContaining('`user` must return a string or number id'),
    })
    expect(route).not.toHaveBeenCalled()
  })

  it('serves the stale response within grace when the route fails, and refreshes when it recovers', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      let healthy = true
      let version = 0
      const http = await serve((app) =>
        app.get('/feed', cacheResponse(kit, { key: () => 'page:feed', ttl: '1m', grace: '1h' }), (_req, res) => {
          if (!healthy) return void res.status(502).json({ error: 'upstream' })
          version += 1
          res.json({ version })
        }),
      )
      expect((await request(http).get('/feed')).body).toEqual({ version: 1 })
      vi.setSystemTime(Date.now() + 2 * 60_000)
      healthy = false
      const stale = await request(http).get('/feed')
      expect(stale.status).toBe(200)
      expect(stale.headers['x-cache']).toBe('STALE')
      expect(stale.body).toEqual({ version: 1 })
      healthy = true
      const refreshed = await request(http).get('/feed')
      expect(refreshed.headers['x-cache']).toBe('MISS')
      expect(refreshed.body).toEqual({ version: 2 })
    } finally {
      vi.useRealTimers()
    }
  })

  describe('cross-user safety', () => {
    type AuthedRequest = express.Request & { user?: { id: string } }
    /** Stands in for Passport: a bearer token names the user. */
    const bearer = (app: Express) =>
      app.use((req: AuthedRequest, _res, next) => {
        const token = req.get('authorization')?.replace('Bearer ', '')
        if (token) req.user = { id: token }
        next()
      })

    it("keeps user 1's personalised page away from anonymous visitors, although the key ends in :1", async () => {
      const http = await serve((app) => {
        bearer(app)
        app.get(
          '/videos',
          cacheResponse(kit, { key: (req) => `page:videos:${Number(req.query.page ?? 1)}`, ttl: '1m' }),
          (req: AuthedRequest, res) => {
            res.json({ page: Number(req.query.page ?? 1), greeting: req.user ? `welcome back, user ${req.user.id}` : 'hello, stranger' })
          },
        )
      })
      const one = await request(http).get('/videos?page=1').set('Authorization', 'Bearer 1')
      const anonymous = await request(http).get('/videos?page=1')
      expect(one.body.greeting).toBe('welcome back, user 1')
      expect(anonymous.body.greeting).toBe('hello, stranger')
      expect(anonymous.headers['x-cache']).toBe('MISS')
      expect((await request(http).get('/videos?page=1').set('Authorization', 'Bearer 1')).headers['x-cache']).toBe('HIT')
    })

    it('puts the user into the key itself: a per-user route needs no user in its key', async () => {
      const route = vi.fn((req: AuthedRequest, res: express.Response) => void res.json({ for: req.user?.id ?? 'anonymous' }))
      const http = await serve((app) => {
        bearer(app)
        app.get('/me/feed', cacheResponse(kit, { key: () => 'page:feed', ttl: '1m' }), route)
      })
      const ada = await request(http).get('/me/feed').set('Authorization', 'Bearer ada')
      const grace = await request(http).get('/me/feed').set('Authorization', 'Bearer grace')
      const anonymous = await request(http).get('/me/feed')
      const adaAgain = await request(http).get('/me/feed').set('Authorization', 'Bearer ada')
      expect([ada.body, grace.body, anonymous.body, adaAgain.body]).toEqual([
        { for: 'ada' },
        { for: 'grace' },
        { for: 'anonymous' },
        { for: 'ada' },
      ])
      expect([ada.headers['x-cache'], grace.headers['x-cache'], anonymous.headers['x-cache'], adaAgain.headers['x-cache']]).toEqual([
        'MISS',
        'MISS',
        'MISS',
        'HIT',
      ])
      expect(route).toHaveBeenCalledTimes(3)
    })

    it('refuses a request with a custom auth cookie (uid) when no user is resolved, so its page is never served to others', async () => {
      const route = vi.fn((req: express.Request, res: express.Response) => {
        const uid = /(?:^|;\s*)uid=([^;]+)/.exec(req.get('cookie') ?? '')?.[1]
        res.json({ for: uid ?? 'anonymous' })
      })
      const http = await serve((app) => app.get('/me/feed', cacheResponse(kit, { key: () => 'page:feed', ttl: '1m' }), route))
      const ada = await request(http).get('/me/feed').set('Cookie', 'uid=ada')
      const anonymous = await request(http).get('/me/feed')
      expect(ada.status).toBe(500)
      expect(ada.body).toMatchObject({ error: 'ValidationError', message: expect.stringContaining('Cookie or Authorization header') })
      expect(anonymous.body).toEqual({ for: 'anonymous' })
      expect(route).toHaveBeenCalledTimes(1)
    })

    it('serves a signed-out visitor with a consent cookie the anonymous page when user returns null', async () => {
      const http = await serve((app) => {
        bearer(app)
        app.get(
          '/',
          cacheResponse(kit, { key: () => 'page:home', ttl: '1m', user: (req: AuthedRequest) => req.user?.id ?? null }),
          (req: AuthedRequest, res) => {
            res.json({ greeting: req.user ? `welcome back, ${req.user.id}` : 'hello, stranger' })
          },
        )
      })
      const ada = await request(http).get('/').set('Authorization', 'Bearer ada').set('Cookie', 'consent=yes')
      const visitor = await request(http).get('/').set('Cookie', 'consent=yes')
      const another = await request(http).get('/')
      expect([ada.body.greeting, visitor.body.greeting, another.body.greeting]).toEqual([
        'welcome back, ada',
        'hello, stranger',
        'hello, stranger',
      ])
      expect([ada.headers['x-cache'], visitor.headers['x-cache'], another.headers['x-cache']]).toEqual(['MISS', 'MISS', 'HIT'])
    })

    it('serves a credentialed request from the shared key space when the route says shared: true', async () => {
      const http = await serve((app) =>
        app.get(
          '/catalogue',
          cacheResponse(kit, { key: () => 'page:catalogue', ttl: '1m', shared: true }),
          (_req, res) => void res.json({ ok: true }),
        ),
      )
      expect((await request(http).get('/catalogue').set('Cookie', 'uid=ada')).headers['x-cache']).toBe('MISS')
      expect((await request(http).get('/catalogue')).headers['x-cache']).toBe('HIT')
    })

    it('does not store a response whose own Vary names a header outside `vary`, and warns once', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
      try {
        const http = await serve((app) =>
          app.get('/greeting', cacheResponse(kit, { key: () => 'page:greeting', ttl: '1m' }), (req, res) => {
            res.vary('Accept-Language')
            res.json({ text: req.get('accept-language') === 'fr' ? 'bonjour' : 'hello' })
          }),
        )
        const french = await request(http).get('/greeting').set('Accept-Language', 'fr')
        const english = await request(http).get('/greeting').set('Accept-Language', 'en')
        const frenchAgain = await request(http).get('/greeting').set('Accept-Language', 'fr')
        expect([french.body.text, english.body.text, frenchAgain.body.text]).toEqual(['bonjour', 'hello', 'bonjour'])
        expect(english.headers['x-cache']).toBe('MISS')
        expect(english.headers.vary).toMatch(/accept-language/i)
        expect(warn).toHaveBeenCalledTimes(1)
        expect(String(warn.mock.calls[0]?.[0])).toContain('accept-language')
      } finally {
        warn.mockRestore()
      }
    })

    it('stores a response whose Vary names only headers in `vary`, keyed by their values', async () => {
      const route = vi.fn((req: express.Request, res: express.Response) => {
        res.vary('Accept-Language')
        res.json({ text: req.get('accept-language') === 'fr' ? 'bonjour' : 'hello' })
      })
      const http = await serve((app) =>
        app.get('/greeting', cacheResponse(kit, { key: () => 'page:greeting', ttl: '1m', vary: ['accept-language'] }), route),
      )
      await request(http).get('/greeting').set('Accept-Language', 'fr')
      const english = await request(http).get('/greeting').set('Accept-Language', 'en')
      const french = await request(http).get('/greeting').set('Accept-Language', 'fr')
      expect([english.body.text, french.body.text]).toEqual(['hello', 'bonjour'])
      expect([english.headers['x-cache'], french.headers['x-cache']]).toEqual(['MISS', 'HIT'])
      expect(route).toHaveBeenCalledTimes(2)
    })

    it('runs the route uncached when an earlier middleware set a Vary outside `vary` (Vary: Origin from CORS)', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
      try {
        const route = vi.fn(
          (req: express.Request, res: express.Response) =>
            void res.set('Access-Control-Allow-Origin', req.get('origin') ?? '').json({ ok: true }),
        )
        const http = await serve((app) => {
          app.use((_req, res, next) => {
            res.vary('Origin')
            next()
          })
          app.get('/api', cacheResponse(kit, { key: () => 'page:api', ttl: '1m' }), route)
        })
        const first = await request(http).get('/api').set('Origin', 'https://a.example')
        const second = await request(http).get('/api').set('Origin', 'https://b.example')
        expect(second.headers['access-control-allow-origin']).toBe('https://b.example')
        expect([first.headers['x-cache'], second.headers['x-cache']]).not.toContain('HIT')
        expect(route).toHaveBeenCalledTimes(2)
        expect(warn).toHaveBeenCalledTimes(1)
      } finally {
        warn.mockRestore()
      }
    })
  })

  describe('maxBodyBytes', () => {
    const warningsOf = () => {
      const warnings: CachekitWarning[] = []
      kit.events.on('warning', (warning) => warnings.push(warning))
      return warnings
    }
    /** Writes `chunks` chunks of 16 KiB, each filled with its index, honouring backpressure. */
    const streamed = (chunks: number) => (_req: express.Request, res: express.Response) => {
      res.type('application/octet-stream')
      let index = 0
      const pump = (): void => {
        while (index < chunks) {
          if (!res.write(Buffer.alloc(16 * 1024, index++ % 256))) return void res.once('drain', pump)
        }
        res.end()
      }
      pump()
    }
    const binary = (response: request.Request) =>
      response.buffer(true).parse((res, done) => {
        const parts: Buffer[] = []
        res.on('data', (chunk: Buffer) => parts.push(chunk))
        res.on('end', () => done(null, Buffer.concat(parts)))
      })

    it('sends a streamed body over maxBodyBytes whole, stores nothing, runs the route again next time, and warns once', async () => {
      const route = vi.fn(streamed(64))
      const http = await serve((app) =>
        app.get('/export', cacheResponse(kit, { key: () => 'page:export', ttl: '1m', maxBodyBytes: 64 * 1024 }), route),
      )
      const warnings = warningsOf()

      const first = await binary(request(http).get('/export'))
      const second = await binary(request(http).get('/export'))

      for (const answer of [first, second]) {
        expect(answer.status).toBe(200)
        expect(answer.headers['x-cache']).toBe('MISS')
        expect(
          Buffer.compare(answer.body as Buffer, Buffer.concat(Array.from({ length: 64 }, (_, index) => Buffer.alloc(16 * 1024, index)))),
        ).toBe(0)
      }
      expect(route).toHaveBeenCalledTimes(2)
      expect(await kit.cache.get('http:page%3Aexport:~anon')).toBeUndefined()
      expect(warnings).toEqual([
        { code: 'RESPONSE_TOO_LARGE', route: 'page:export', message: expect.stringContaining('larger than maxBodyBytes (65536 bytes)') },
      ])
    })

    it('passes res.send of a body one byte over the default 1 MiB through, and stores it when the cap allows it', async () => {
      const body = Buffer.alloc(1024 * 1024 + 1, 7)
      const route = vi.fn((_req: express.Request, res: express.Response) => void res.type('application/octet-stream').send(body))
      const http = await serve((app) => {
        app.get('/default', cacheResponse(kit, { key: () => 'page:default', ttl: '1m' }), route)
        app.get('/raised', cacheResponse(kit, { key: () => 'page:raised', ttl: '1m', maxBodyBytes: 2 * 1024 * 1024 }), route)
      })
      const warnings = warningsOf()

      const passed = await binary(request(http).get('/default'))
      const again = await binary(request(http).get('/default'))
      await request(http).get('/raised')
      const hit = await binary(request(http).get('/raised'))

      expect([passed.headers['x-cache'], again.headers['x-cache'], hit.headers['x-cache']]).toEqual(['MISS', 'MISS', 'HIT'])
      expect([(passed.body as Buffer).length, Number(passed.headers['content-length'])]).toEqual([body.length, body.length])
      expect(Buffer.compare(hit.body as Buffer, body)).toBe(0)
      expect(route).toHaveBeenCalledTimes(3)
      expect(warnings.map((warning) => [warning.code, warning.route])).toEqual([['RESPONSE_TOO_LARGE', 'page:default']])
    })

    it('stores a body under the cap', async () => {
      const route = vi.fn(streamed(3))
      const http = await serve((app) =>
        app.get('/small', cacheResponse(kit, { key: () => 'page:small', ttl: '1m', maxBodyBytes: 64 * 1024 }), route),
      )
      const warnings = warningsOf()
      await request(http).get('/small')
      const hit = await binary(request(http).get('/small'))
      expect(hit.headers['x-cache']).toBe('HIT')
      expect((hit.body as Buffer).length).toBe(3 * 16 * 1024)
      expect(route).toHaveBeenCalledTimes(1)
      expect(warnings).toEqual([])
    })

    it('sends the fresh body over the cap, not the stale copy, when a stored response has gone stale', async () => {
      vi.useFakeTimers({ toFake: ['Date'] })
      try {
        let chunks = 1
        const http = await serve((app) =>
          app.get('/grown', cacheResponse(kit, { key: () => 'page:grown', ttl: '1m', grace: '1h', maxBodyBytes: 64 * 1024 }), (req, res) =>
            streamed(chunks)(req, res),
          ),
        )
        expect(((await binary(request(http).get('/grown'))).body as Buffer).length).toBe(16 * 1024)
        vi.setSystemTime(Date.now() + 2 * 60_000)
        chunks = 8
        const grown = await binary(request(http).get('/grown'))
        expect(grown.headers['x-cache']).toBe('MISS')
        expect((grown.body as Buffer).length).toBe(8 * 16 * 1024)
      } finally {
        vi.useRealTimers()
      }
    })

    it('holds a piped stream no further than the cap: past it, the route waits for a slow client', async () => {
      const total = 64 * 1024 * 1024
      let produced = 0
      const source = new Readable({
        read() {
          if (produced >= total) return void this.push(null)
          produced += 64 * 1024
          this.push(Buffer.alloc(64 * 1024, 1))
        },
      })
      const http = await serve((app) =>
        app.get(
          '/dump',
          cacheResponse(kit, { key: () => 'page:dump', ttl: '1m', maxBodyBytes: 256 * 1024 }),
          (_req, res) => void source.pipe(res.type('application/octet-stream')),
        ),
      )

      const client = httpGet(`${server.url}/dump`)
      const answer = await client.response
      answer.pause()
      // The client reads nothing: the socket buffers fill and pipe() pauses the source.
      await vi.waitFor(() => expect(source.isPaused()).toBe(true), { timeout: 20_000 })
      expect(produced).toBeLessThan(16 * 1024 * 1024)

      expect(await client.drain(answer)).toBe(total)
      expect(await kit.cache.get('http:page%3Adump:~anon')).toBeUndefined()
    })
  })

  it('passes other methods through untouched', async () => {
    const http = await serve((app) =>
      app.all('/things', cacheResponse(kit, { key: () => 'page:things', ttl: '1m' }), (req, res) => void res.json({ method: req.method })),
    )
    const posted = await request(http).post('/things')
    expect(posted.body).toEqual({ method: 'POST' })
    expect(posted.headers['x-cache']).toBeUndefined()
  })
})

/** A GET whose answer the test reads when it chooses (supertest reads at once). */
function httpGet(url: string): { response: Promise<IncomingMessage>; drain: (answer: IncomingMessage) => Promise<number> } {
  return {
    response: new Promise((resolve, reject) => httpRequestGet(url, resolve).once('error', reject)),
    drain: (answer) =>
      new Promise((resolve, reject) => {
        let bytes = 0
        answer.on('data', (chunk: Buffer) => (bytes += chunk.length))
        answer.once('end', () => resolve(bytes))
        answer.once('error', reject)
        answer.resume()
      }),
  }
}

describe('cacheResponse setup', () => {
  const kit = createCachekit()
  it('refuses a missing key function or ttl, and a bad duration, when the middleware is created', () => {
    expect(() => cacheResponse(kit, { ttl: '1m' } as never)).toThrow(ValidationError)
    expect(() => cacheResponse(kit, { key: () => 'k' } as never)).toThrow(/ttl/)
    expect(() => cacheResponse(kit, { key: () => 'k', ttl: '5 minutes' })).toThrow(ValidationError)
    expect(() => cacheResponse(kit, { key: () => 'k', ttl: '1m', vary: ['bad header'] })).toThrow(ValidationError)
    expect(() => cacheResponse(kit, { key: () => 'k', ttl: '1m', vary: ['*'] })).toThrow(ValidationError)
    expect(() => cacheResponse(kit, { key: () => 'k', ttl: '1m', vary: ['Cookie'] })).toThrow(/credentials into key names/)
    expect(() => cacheResponse(kit, { key: () => 'k', ttl: '1m', vary: ['authorization'] })).toThrow(ValidationError)
    expect(() => cacheResponse(kit, { key: () => 'k', ttl: '1m', shared: 'yes' as never })).toThrow(ValidationError)
  })

  it('refuses a maxBodyBytes that is not a positive integer', () => {
    for (const maxBodyBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1mb', null]) {
      expect(() => cacheResponse(kit, { key: () => 'k', ttl: '1m', maxBodyBytes: maxBodyBytes as never }), String(maxBodyBytes)).toThrow(
        /maxBodyBytes/,
      )
      expect(() => cacheResponse(kit, { key: () => 'k', ttl: '1m', maxBodyBytes: maxBodyBytes as never })).toThrow(ValidationError)
    }
    expect(() => cacheResponse(kit, { key: () => 'k', ttl: '1m', maxBodyBytes: 1 })).not.toThrow()
  })
})
