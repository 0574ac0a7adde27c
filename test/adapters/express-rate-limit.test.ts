/**
 * The Express rateLimit middleware on a real app over real HTTP: headers, 429s and
 * errors on memory and a real Redis; fail-open and fail-closed through a real broken
 * network (a TCP proxy in front of the shared redis-server, cut).
 */
import express, { type Express } from 'express'
import request from 'supertest'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { rateLimit } from '../../src/adapters/express/index.js'
import { ValidationError } from '../../src/core/errors/index.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { createCachekit } from '../../src/kit.js'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js'
import { targets, uniquePrefix, type Target } from '../support/targets.js'
import { listen, type Listening } from './listen.js'

const rateLimits = {
  api: { algorithm: 'fixed-window', limit: 2, window: '1m' },
  login: { algorithm: 'sliding-window', limit: 5, window: '15m', onError: 'deny' },
} as const

function makeKit(target: Pick<Target, 'createDriver'>) {
  return createCachekit({ driver: target.createDriver(), prefix: uniquePrefix('rl'), rateLimits })
}
type Kit = ReturnType<typeof makeKit>

let server: Listening | undefined
let kit: Kit | undefined
async function serve(made: Kit, build: (app: Express) => void) {
  kit = made
  const app = express()
  build(app)
  app.use(
    (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
      void res.status(500).json({ error: error.name }),
  )
  server = await listen(app)
  return server.server
}
afterEach(async () => {
  await server?.close()
  await kit?.close()
  server = undefined
  kit = undefined
})

describe.each(targets('memory', 'redis'))('Express rateLimit on $name', (target) => {
  it('lets requests through under the limit with the IETF headers, then answers 429 with Retry-After', async () => {
    const made = makeKit(target)
    const http = await serve(made, (app) =>
      app.get(
        '/api',
        rateLimit(made, { policy: 'api', key: (req) => String(req.get('x-api-key')) }),
        (_req, res) => void res.json({ ok: true }),
      ),
    )
    const first = await request(http).get('/api').set('x-api-key', 'k1')
    expect(first.status).toBe(200)
    expect(first.headers['ratelimit-policy']).toBe('"api";q=2;w=60')
    expect(first.headers.ratelimit).toMatch(/^"api";r=1;t=(59|60)$/)
    await request(http).get('/api').set('x-api-key', 'k1')
    const refused = await request(http).get('/api').set('x-api-key', 'k1')
    expect(refused.status).toBe(429)
    expect(refused.body).toEqual({ error: 'Too Many Requests', policy: 'api', retryAfter: expect.any(Number) })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(59)
    expect(refused.headers.ratelimit).toMatch(/^"api";r=0;/)
    expect((await request(http).get('/api').set('x-api-key', 'k2')).status).toBe(200)
  })

  it('hands refused requests to onLimited, and sends draft-6 headers when asked', async () => {
    const made = makeKit(target)
    const http = await serve(made, (app) =>
      app.get(
        '/api',
        rateLimit(made, {
          policy: 'api',
          key: () => 'same',
          cost: 2,
          headers: 'draft-6',
          onLimited: (_req, res, _next, result) => void res.status(503).send(`slow down, ${result.remaining} left`),
        }),
        (_req, res) => void res.send('ok'),
      ),
    )
    const allowed = await request(http).get('/api')
    expect(allowed.headers['ratelimit-limit']).toBe('2')
    expect(allowed.headers['ratelimit-remaining']).toBe('0')
    const refused = await request(http).get('/api')
    expect(refused.status).toBe(503)
    expect(refused.text).toBe('slow down, 0 left')
  })

  it('passes a failing key function and a bad identifier to next(err)', async () => {
    const made = makeKit(target)
    const http = await serve(made, (app) => {
      app.get(
        '/throws',
        rateLimit(made, { policy: 'api', key: async () => Promise.reject(new TypeError('no user')) }),
        (_req, res) => void res.send('ok'),
      )
      app.get('/empty', rateLimit(made, { policy: 'api', key: () => '' }), (_req, res) => void res.send('ok'))
    })
    expect((await request(http).get('/throws')).body).toEqual({ error: 'TypeError' })
    expect((await request(http).get('/empty')).body).toEqual({ error: 'ValidationError' })
  })
})

describe('Express rateLimit setup', () => {
  it('refuses an unknown policy, a key that is not a function and a bad header style when the middleware is created', () => {
    const made = makeKit({ createDriver: () => createCachekit().driver })
    expect(() => rateLimit(made, { policy: 'nope' as 'api', key: () => 'x' })).toThrow(ValidationError)
    expect(() => rateLimit(made, { policy: 'api', key: 'x-api-key' } as never)).toThrow(ValidationError)
    expect(() => rateLimit(made, { policy: 'api', key: () => 'x', headers: 'draft-9' as never })).toThrow(ValidationError)
    return made.close()
  })
})

describe('Express rateLimit while Redis is away', () => {
  let proxy: FaultProxy
  beforeAll(async () => {
    const url = new URL(inject('redisUrl'))
    proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port) })
  })
  afterAll(() => proxy.close())
  afterEach(() => proxy.restore())

  it("fails open for a policy with onError 'allow' and closed for one with 'deny', within the command timeout", async () => {
    const made = createCachekit({
      driver: ioredisDriver({ url: proxy.url, commandTimeoutMs: 200 }),
      prefix: uniquePrefix('rl-away'),
      rateLimits,
    })
    const route = vi.fn((_req: express.Request, res: express.Response) => void res.send('ok'))
    const http = await serve(made, (app) => {
      app.get('/api', rateLimit(made, { policy: 'api', key: () => 'u' }), route)
      app.post('/login', rateLimit(made, { policy: 'login', key: () => 'ada@example.com' }), route)
    })
    await request(http).get('/api')
    await proxy.cut()
    const started = Date.now()
    const open = await request(http).get('/api')
    const closed = await request(http).post('/login')
    expect(open.status).toBe(200)
    expect(closed.status).toBe(429)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(route).toHaveBeenCalledTimes(2)
  })
})
