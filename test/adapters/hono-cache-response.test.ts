/**
 * cacheResponse on a real Hono app served by @hono/node-server on a loopback port, called
 * with fetch, on the memory driver and the Upstash stand-in (Hono's edge deployments use
 * Upstash).
 */
import { getRequestListener } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cacheResponse } from '../../src/adapters/hono/index.js'
import type { CachekitWarning } from '../../src/ratelimit/warnings.js'
import { ValidationError } from '../../src/core/errors/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { listen, type Listening } from './listen.js'

describe.each(targets('memory', 'upstash'))('Hono cacheResponse on $name', ({ createDriver }) => {
  let kit: Cachekit
  let server: Listening
  const serve = async (build: (app: Hono) => void) => {
    kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix() })
    const app = new Hono()
    app.onError((error, c) => c.json({ error: error.name, message: error.message }, 500))
    build(app)
    server = await listen(getRequestListener(app.fetch))
    return server.url
  }
  afterEach(async () => {
    await server?.close()
    await kit?.close()
  })

  it('runs the handler on a miss, then answers from the cache with an ETag and 304', async () => {
    const handler = vi.fn((c: { json: (value: unknown) => Response; req: { query: (name: string) => string | undefined } }) =>
      c.json({ page: c.req.query('page') }),
    )
    const url = await serve((app) =>
      app.get('/videos', cacheResponse(kit, { key: (c) => `page:videos:${c.req.query('page') ?? 1}`, ttl: '1m' }), handler),
    )

    const miss = await fetch(`${url}/videos?page=3`)
    const hit = await fetch(`${url}/videos?page=3`)
    expect(miss.headers.get('x-cache')).toBe('MISS')
    expect(hit.headers.get('x-cache')).toBe('HIT')
    expect(await hit.json()).toEqual(await miss.json())
    expect(hit.headers.get('content-type')).toMatch(/^application\/json/)

    const revalidated = await fetch(`${url}/videos?page=3`, { headers: { 'If-None-Match': hit.headers.get('etag') as string } })
    expect(revalidated.status).toBe(304)
    expect(handler).toHaveBeenCalledTimes(1)
  })

  it('passes uncacheable responses through without storing them', async () => {
    const handler = vi.fn((c: { json: (value: unknown, status: 503) => Response }) => c.json({ down: true }, 503))
    const url = await serve((app) => app.get('/down', cacheResponse(kit, { key: () => 'page:down', ttl: '1m' }), handler))
    expect((await fetch(`${url}/down`)).status).toBe(503)
    const again = await fetch(`${url}/down`)
    expect(again.status).toBe(503)
    expect(again.headers.get('x-cache')).toBe('MISS')
    expect(handler).toHaveBeenCalledTimes(2)
  })

  it("stores each user's response in that user's key space, and refuses credentials without a user", async () => {
    const url = await serve((app) => {
      app.get('/me', cacheResponse(kit, { key: () => 'page:me', ttl: '1m', user: (c) => c.req.header('x-user') }), (c) =>
        c.json({ me: c.req.header('x-user') }),
      )
    })
    await fetch(`${url}/me`, { headers: { 'x-user': 'ada', authorization: 'Bearer ada' } })
    const grace = await fetch(`${url}/me`, { headers: { 'x-user': 'grace', authorization: 'Bearer grace' } })
    expect(await grace.json()).toEqual({ me: 'grace' })
    expect(grace.headers.get('x-cache')).toBe('MISS')
    const adaAgain = await fetch(`${url}/me`, { headers: { 'x-user': 'ada', authorization: 'Bearer ada' } })
    expect(await adaAgain.json()).toEqual({ me: 'ada' })
    expect(adaAgain.headers.get('x-cache')).toBe('HIT')
    const refused = await fetch(`${url}/me`, { headers: { authorization: 'Bearer nobody' } })
    expect(refused.status).toBe(500)
    expect(await refused.json()).toMatchObject({ error: 'ValidationError' })
  })
})

describe.each(targets('memory', 'redis'))('Hono cacheResponse cross-user safety on $name', ({ createDriver }) => {
  let kit: Cachekit
  let server: Listening
  const serve = async (build: (app: Hono) => void) => {
    kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix() })
    const app = new Hono()
    app.onError((error, c) => c.json({ error: error.name, message: error.message }, 500))
    build(app)
    server = await listen(getRequestListener(app.fetch))
    return server.url
  }
  afterEach(async () => {
    await server?.close()
    await kit?.close()
  })
  const bearer = (c: { req: { header: (name: string) => string | undefined } }) => c.req.header('authorization')?.replace('Bearer ', '')

  it("keeps user 1's personalised page away from anonymous visitors, although the key ends in :1", async () => {
    const url = await serve((app) =>
      app.get('/videos', cacheResponse(kit, { key: (c) => `page:videos:${c.req.query('page') ?? 1}`, ttl: '1m', user: bearer }), (c) =>
        c.json({ greeting: bearer(c) ? `welcome back, user ${bearer(c)}` : 'hello, stranger' }),
      ),
    )
    await fetch(`${url}/videos?page=1`, { headers: { authorization: 'Bearer 1' } })
    const anonymous = await fetch(`${url}/videos?page=1`)
    expect(await anonymous.json()).toEqual({ greeting: 'hello, stranger' })
    expect(anonymous.headers.get('x-cache')).toBe('MISS')
    expect((await fetch(`${url}/videos?page=1`, { headers: { authorization: 'Bearer 1' } })).headers.get('x-cache')).toBe('HIT')
    // The key shape of test/adapters/response-key.test.ts.
    expect(await kit.cache.get('http:page%3Avideos%3A1:~u:1')).toMatchObject({ status: 200 })
    expect(await kit.cache.get('http:page%3Avideos%3A1:~anon')).toMatchObject({ status: 200 })
  })

  it('sends a streamed body over maxBodyBytes whole, stores nothing, runs the handler again next time, and warns once', async () => {
    const chunk = (index: number) => new Uint8Array(16 * 1024).fill(index % 256)
    const handler = vi.fn((c: Context) => {
      let index = 0
      const body = new ReadableStream<Uint8Array>({
        pull: (controller) => (index === 256 ? controller.close() : controller.enqueue(chunk(index++))),
      })
      return c.body(body, 200, { 'content-type': 'application/octet-stream' })
    })
    const url = await serve((app) =>
      app.get('/export', cacheResponse(kit, { key: () => 'page:export', ttl: '1m', maxBodyBytes: 64 * 1024 }), handler),
    )
    const warnings: CachekitWarning[] = []
    kit.events.on('warning', (warning) => warnings.push(warning))

    const first = await fetch(`${url}/export`)
    const firstBody = new Uint8Array(await first.arrayBuffer())
    const second = await fetch(`${url}/export`)
    await second.arrayBuffer()

    expect([first.status, first.headers.get('x-cache'), second.headers.get('x-cache')]).toEqual([200, 'MISS', 'MISS'])
    expect(firstBody.length).toBe(256 * 16 * 1024)
    expect([firstBody[0], firstBody[100 * 16 * 1024], firstBody[255 * 16 * 1024]]).toEqual([0, 100, 255])
    expect(handler).toHaveBeenCalledTimes(2)
    expect(await kit.cache.get('http:page%3Aexport:~anon')).toBeUndefined()
    expect(warnings).toEqual([{ code: 'RESPONSE_TOO_LARGE', route: 'page:export', message: expect.stringContaining('maxBodyBytes') }])
  })

  it('stores a body within maxBodyBytes, and passes one over the default 1 MiB through', async () => {
    const handler = vi.fn((c: Context) => c.text(c.req.path === '/big' ? 'x'.repeat(1024 * 1024 + 1) : 'y'.repeat(1024 * 1024)))
    const url = await serve((app) => app.get('/*', cacheResponse(kit, { key: (c) => `page:${c.req.path.slice(1)}`, ttl: '1m' }), handler))
    for (const path of ['/big', '/big', '/fits', '/fits']) await (await fetch(`${url}${path}`)).text()
    const big = await fetch(`${url}/big`)
    const fits = await fetch(`${url}/fits`)
    expect([big.headers.get('x-cache'), (await big.text()).length]).toEqual(['MISS', 1024 * 1024 + 1])
    expect([fits.headers.get('x-cache'), (await fits.text()).length]).toEqual(['HIT', 1024 * 1024])
    expect(handler).toHaveBeenCalledTimes(4)
  })

  it('refuses a request with a custom auth cookie (uid) when `user` names nobody', async () => {
    const handler = vi.fn((c: { json: (value: unknown) => Response; req: { header: (name: string) => string | undefined } }) =>
      c.json({ for: /uid=([^;]+)/.exec(c.req.header('cookie') ?? '')?.[1] ?? 'anonymous' }),
    )
    const url = await serve((app) => app.get('/me/feed', cacheResponse(kit, { key: () => 'page:feed', ttl: '1m' }), handler))
    const ada = await fetch(`${url}/me/feed`, { headers: { cookie: 'uid=ada' } })
    expect(ada.status).toBe(500)
    expect(await ada.json()).toMatchObject({ error: 'ValidationError', message: expect.stringContaining('shared: true') })
    expect(await (await fetch(`${url}/me/feed`)).json()).toEqual({ for: 'anonymous' })
    expect(handler).toHaveBeenCalledTimes(1)
  })

  it('does not store a response whose own Vary names a header outside `vary`', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    try {
      const url = await serve((app) =>
        app.get('/greeting', cacheResponse(kit, { key: () => 'page:greeting', ttl: '1m' }), (c) => {
          c.header('Vary', 'Accept-Language')
          return c.json({ text: c.req.header('accept-language') === 'fr' ? 'bonjour' : 'hello' })
        }),
      )
      await fetch(`${url}/greeting`, { headers: { 'accept-language': 'fr' } })
      const english = await fetch(`${url}/greeting`, { headers: { 'accept-language': 'en' } })
      expect(await english.json()).toEqual({ text: 'hello' })
      expect(english.headers.get('x-cache')).toBe('MISS')
      expect(warn).toHaveBeenCalledTimes(1)
    } finally {
      warn.mockRestore()
    }
  })
})

describe('Hono cacheResponse setup', () => {
  it('refuses a maxBodyBytes that is not a positive integer', async () => {
    const kit = createCachekit()
    for (const maxBodyBytes of [0, -1, 0.5, '64kb']) {
      expect(() => cacheResponse(kit, { key: () => 'k', ttl: '1m', maxBodyBytes: maxBodyBytes as never })).toThrow(ValidationError)
    }
    await kit.close()
  })
})
