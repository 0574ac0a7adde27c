/**
 * cachekit/next's functions outside a Next build: `cached` server functions, tag
 * invalidation that reaches Next's revalidateTag, and rateLimit's answers as web
 * Responses, and cacheResponse route handlers called with real Request objects (the built
 * example app in test/examples/nextjs.test.ts covers them in Next).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cacheResponse, cached, invalidateTags, rateLimit } from '../../src/adapters/next/index.js'
import type { CachekitWarning } from '../../src/ratelimit/warnings.js'
import { ValidationError } from '../../src/core/errors/index.js'
import { createCachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'

describe.each(targets('memory', 'redis'))('cachekit/next on $name', ({ createDriver }) => {
  const rateLimits = { api: { algorithm: 'fixed-window', limit: 1, window: '1m' } } as const
  const make = () => createCachekit({ driver: createDriver(), prefix: uniquePrefix('next'), rateLimits })
  let kit: ReturnType<typeof make> | undefined
  afterEach(() => kit?.close())

  it('caches a server function per argument list, and drops its entries by tag', async () => {
    kit = make()
    const query = vi.fn(async (page: number, sort: string) => ({ page, sort, at: Date.now() }))
    const listVideos = cached(kit, query, { key: 'videos', ttl: '1m', tags: (page) => ['videos', `videos:page:${page}`] })
    const first = await listVideos(1, 'new')
    expect(await listVideos(1, 'new')).toEqual(first)
    await listVideos(2, 'new')
    expect(query).toHaveBeenCalledTimes(2)
    expect(await kit.cache.get('videos:1:new')).toEqual(first)

    const revalidateTag = vi.fn()
    const report = await invalidateTags(kit, ['videos:page:1'], { revalidateTag })
    expect(report.tags).toEqual(['videos:page:1'])
    expect(revalidateTag).toHaveBeenCalledWith('videos:page:1')
    await listVideos(1, 'new')
    await listVideos(2, 'new')
    expect(query).toHaveBeenCalledTimes(3)
  })

  it("never lets an undefined argument (an anonymous call) share an entry with the string 'undefined', nor an object with its JSON text", async () => {
    kit = make()
    const feed = cached(kit, async (user?: string | { id: string }) => ({ for: user ?? 'anonymous' }), { key: 'feed', ttl: '1m' })
    expect(await feed(undefined)).toEqual({ for: 'anonymous' })
    expect(await feed('undefined')).toEqual({ for: 'undefined' })
    expect(await feed({ id: 'ada' })).toEqual({ for: { id: 'ada' } })
    expect(await feed('{"id":"ada"}')).toEqual({ for: '{"id":"ada"}' })
    expect(await kit.cache.get('feed:%undefined')).toEqual({ for: 'anonymous' })
  })

  it('answers 429 as a Response, and adds the headers to what onAllowed answers', async () => {
    kit = make()
    const limit = rateLimit(kit, { policy: 'api', key: (request) => request.headers.get('x-client') ?? 'anonymous' })
    const request = () => new Request('http://localhost/api', { headers: { 'x-client': 'c1' } })
    const allowed = await limit(request(), () => new Response('ok'))
    expect(allowed?.headers.get('ratelimit')).toMatch(/^"api";r=0;t=\d+$/)
    expect(await limit(new Request('http://localhost/api'))).toBeUndefined()
    const refused = await limit(request(), () => new Response('ok'))
    expect(refused?.status).toBe(429)
    expect(await refused?.json()).toMatchObject({ policy: 'api' })
  })
})

describe.each(targets('memory', 'redis'))('cachekit/next cacheResponse cross-user safety on $name', ({ createDriver }) => {
  let kit: ReturnType<typeof createCachekit> | undefined
  afterEach(() => kit?.close())
  const make = () => (kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('next') }))
  const bearer = (request: Request) => request.headers.get('authorization')?.replace('Bearer ', '')
  const get = (path: string, headers: Record<string, string> = {}) => new Request(`http://localhost${path}`, { headers })

  it("keeps user 1's personalised page away from anonymous visitors, although the key ends in :1", async () => {
    const GET = cacheResponse(
      make(),
      (request: Request) => Response.json({ greeting: bearer(request) ? `welcome back, user ${bearer(request)}` : 'hello, stranger' }),
      { key: (request) => `page:videos:${new URL(request.url).searchParams.get('page') ?? 1}`, ttl: '1m', user: bearer },
    )
    await GET(get('/api/videos?page=1', { authorization: 'Bearer 1' }))
    const anonymous = await GET(get('/api/videos?page=1'))
    expect(await anonymous.json()).toEqual({ greeting: 'hello, stranger' })
    expect(anonymous.headers.get('x-cache')).toBe('MISS')
    expect((await GET(get('/api/videos?page=1', { authorization: 'Bearer 1' }))).headers.get('x-cache')).toBe('HIT')
    // The key shape of test/adapters/response-key.test.ts.
    expect(await kit?.cache.get('http:page%3Avideos%3A1:~u:1')).toMatchObject({ status: 200 })
  })

  it('takes an async user (a session lookup) and files each response under it', async () => {
    const sessions = new Map([
      ['s1', 'ada'],
      ['s2', 'grace'],
    ])
    const session = async (request: Request) => sessions.get(/sid=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1] ?? '')
    const GET = cacheResponse(make(), async (request: Request) => Response.json({ for: await session(request) }), {
      key: () => 'page:feed',
      ttl: '1m',
      user: session,
    })
    const ada = await GET(get('/api/feed', { cookie: 'sid=s1' }))
    const grace = await GET(get('/api/feed', { cookie: 'sid=s2' }))
    const adaAgain = await GET(get('/api/feed', { cookie: 'sid=s1' }))
    expect([await ada.json(), await grace.json(), await adaAgain.json()]).toEqual([{ for: 'ada' }, { for: 'grace' }, { for: 'ada' }])
    expect([ada.headers.get('x-cache'), grace.headers.get('x-cache'), adaAgain.headers.get('x-cache')]).toEqual(['MISS', 'MISS', 'HIT'])
    await expect(GET(get('/api/feed', { cookie: 'sid=forged' }))).rejects.toMatchObject({ code: 'VALIDATION_ERROR' })
  })

  it('rejects a request with a custom auth cookie (uid) when `user` names nobody', async () => {
    const handler = vi.fn((request: Request) =>
      Response.json({ for: /uid=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1] ?? 'anonymous' }),
    )
    const GET = cacheResponse(make(), handler, { key: () => 'page:feed', ttl: '1m' })
    await expect(GET(get('/api/feed', { cookie: 'uid=ada' }))).rejects.toMatchObject({ name: 'ValidationError', code: 'VALIDATION_ERROR' })
    expect(await (await GET(get('/api/feed'))).json()).toEqual({ for: 'anonymous' })
    expect(handler).toHaveBeenCalledTimes(1)
  })

  it('does not store a response whose own Vary names a header outside `vary`', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    try {
      const GET = cacheResponse(
        make(),
        (request: Request) =>
          Response.json(
            { text: request.headers.get('accept-language') === 'fr' ? 'bonjour' : 'hello' },
            { headers: { vary: 'Accept-Language' } },
          ),
        { key: () => 'page:greeting', ttl: '1m' },
      )
      await GET(get('/api/greeting', { 'accept-language': 'fr' }))
      const english = await GET(get('/api/greeting', { 'accept-language': 'en' }))
      expect(await english.json()).toEqual({ text: 'hello' })
      expect(english.headers.get('x-cache')).toBe('MISS')
      expect(warn).toHaveBeenCalledTimes(1)
    } finally {
      warn.mockRestore()
    }
  })
})

describe.each(targets('memory', 'redis'))('cachekit/next cacheResponse maxBodyBytes on $name', ({ createDriver }) => {
  let kit: ReturnType<typeof createCachekit> | undefined
  afterEach(() => kit?.close())
  const CHUNK = 16 * 1024
  /** A route handler answering a body of `chunks` chunks made on demand, and how many it made so far. */
  const streaming = (chunks: number) => {
    const made = { chunks: 0 }
    const handler = vi.fn(() => {
      let index = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (index === chunks) return controller.close()
          made.chunks++
          controller.enqueue(new Uint8Array(CHUNK).fill(index++ % 256))
        },
      })
      return new Response(body, { headers: { 'content-type': 'application/octet-stream' } })
    })
    return { handler, made }
  }
  const get = () => new Request('http://localhost/api/export')
  const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer())

  it('answers a streamed body over the cap whole, having read no more than the cap before answering, and stores nothing', async () => {
    kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('next') })
    const warnings: CachekitWarning[] = []
    kit.events.on('warning', (warning) => warnings.push(warning))
    const { handler, made } = streaming(512)
    const GET = cacheResponse(kit, handler, { key: () => 'page:export', ttl: '1m', maxBodyBytes: 64 * 1024 })

    const response = await GET(get())
    // 8 MiB to come: the answer starts with the cap, one chunk past it, and at most one the stream made ahead.
    expect(made.chunks).toBeLessThanOrEqual(64 / 16 + 2)
    expect(response.headers.get('x-cache')).toBe('MISS')
    const body = await bytesOf(response)
    expect(body.length).toBe(512 * CHUNK)
    expect([body[0], body[5 * CHUNK], body[511 * CHUNK]]).toEqual([0, 5, 511 % 256])

    expect((await GET(get())).headers.get('x-cache')).toBe('MISS')
    expect(handler).toHaveBeenCalledTimes(2)
    expect(await kit.cache.get('http:page%3Aexport:~anon')).toBeUndefined()
    expect(warnings).toEqual([{ code: 'RESPONSE_TOO_LARGE', route: 'page:export', message: expect.stringContaining('(65536 bytes)') }])
  })

  it('does not read a body whose Content-Length is over the cap, and passes it through', async () => {
    kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('next') })
    const body = new Uint8Array(1024 * 1024 + 1).fill(3)
    const GET = cacheResponse(
      kit,
      () => new Response(body, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length) } }),
      { key: () => 'page:big', ttl: '1m' },
    )
    const answer = await GET(get())
    expect(answer.headers.get('x-cache')).toBe('MISS')
    expect((await bytesOf(answer)).length).toBe(body.length)
    expect((await GET(get())).headers.get('x-cache')).toBe('MISS')
  })

  it('stores a streamed body within the cap, and replays it', async () => {
    kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('next') })
    const { handler } = streaming(4)
    const GET = cacheResponse(kit, handler, { key: () => 'page:small', ttl: '1m', maxBodyBytes: 64 * 1024 })
    const miss = await bytesOf(await GET(get()))
    const hit = await GET(get())
    expect(hit.headers.get('x-cache')).toBe('HIT')
    expect(await bytesOf(hit)).toEqual(miss)
    expect(miss.length).toBe(64 * 1024)
    expect(handler).toHaveBeenCalledTimes(1)
  })

  it('replays a binary body byte for byte: every byte value, at a length base64 pads', async () => {
    kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('next') })
    const body = Uint8Array.from({ length: 3 * 8192 + 1 }, (_, index) => (index * 31 + (index >> 8)) & 255)
    const GET = cacheResponse(kit, () => new Response(body, { headers: { 'content-type': 'image/png' } }), {
      key: () => 'asset:logo',
      ttl: '1m',
    })
    await GET(get())
    const hit = await GET(get())
    expect(hit.headers.get('x-cache')).toBe('HIT')
    expect(await bytesOf(hit)).toEqual(body)
  })

  it('sends the fresh body over the cap, not the stale copy, when a stored response has gone stale', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('next') })
      let size = 1024
      const GET = cacheResponse(
        kit,
        () => new Response(new Uint8Array(size).fill(size % 256), { headers: { 'content-type': 'application/octet-stream' } }),
        {
          key: () => 'page:grown',
          ttl: '1m',
          grace: '1h',
          maxBodyBytes: 64 * 1024,
        },
      )
      expect((await bytesOf(await GET(get()))).length).toBe(1024)
      vi.setSystemTime(Date.now() + 2 * 60_000)
      size = 128 * 1024
      const grown = await GET(get())
      expect(grown.headers.get('x-cache')).toBe('MISS')
      expect((await bytesOf(grown)).length).toBe(128 * 1024)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('cached setup', () => {
  it('refuses a missing key and an argument it cannot turn into a key', async () => {
    const kit = createCachekit({ defaultTtl: '1m' })
    expect(() => cached(kit, async () => 1, { key: '' })).toThrow(ValidationError)
    const byArgument = cached(kit, async (_fn: unknown) => 1, { key: 'f' })
    await expect(byArgument(() => 1)).rejects.toBeInstanceOf(ValidationError)
    await kit.close()
  })
})

describe('cacheResponse setup', () => {
  it('refuses a maxBodyBytes that is not a positive integer', async () => {
    const kit = createCachekit()
    for (const maxBodyBytes of [0, -5, 2.5, '1mb']) {
      expect(() =>
        cacheResponse(kit, () => new Response('ok'), { key: () => 'k', ttl: '1m', maxBodyBytes: maxBodyBytes as never }),
      ).toThrow(ValidationError)
    }
    await kit.close()
  })
})
