/**
 * Hono's rateLimit on a real app served on a loopback port, called with fetch, on the
 * memory driver and the Upstash stand-in.
 */
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { rateLimit } from '../../src/adapters/hono/index.js'
import { createCachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { listen, type Listening } from './listen.js'

const rateLimits = { api: { algorithm: 'sliding-window', limit: 2, window: '1m' } } as const

describe.each(targets('memory', 'upstash'))('Hono rateLimit on $name', ({ createDriver }) => {
  let server: Listening | undefined
  let close: (() => Promise<void>) | undefined
  afterEach(async () => {
    await server?.close()
    await close?.()
  })

  async function serve(onLimited?: 'custom') {
    const kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('hono-rl'), rateLimits })
    close = () => kit.close()
    const app = new Hono()
    app.use(
      '/api/*',
      rateLimit(kit, {
        policy: 'api',
        key: (c) => c.req.header('x-api-key') ?? 'anonymous',
        ...(onLimited ? { onLimited: (c, result) => c.text(`wait ${Math.ceil(result.retryAfterMs / 1000)} s`, 429) } : {}),
      }),
    )
    app.get('/api/videos', (c) => c.json({ videos: [] }))
    app.get('/api/raw', () => new Response('raw'))
    server = await listen(getRequestListener(app.fetch))
    return server.url
  }

  it('adds the IETF headers to allowed responses and refuses past the limit with 429 and Retry-After', async () => {
    const url = await serve()
    const headers = { 'x-api-key': 'k1' }
    const first = await fetch(`${url}/api/videos`, { headers })
    expect(first.status).toBe(200)
    expect(first.headers.get('ratelimit-policy')).toBe('"api";q=2;w=60')
    expect(first.headers.get('ratelimit')).toMatch(/^"api";r=1;t=\d+$/)
    const raw = await fetch(`${url}/api/raw`, { headers })
    expect(await raw.text()).toBe('raw')
    expect(raw.headers.get('ratelimit')).toMatch(/^"api";r=0;/)
    const refused = await fetch(`${url}/api/videos`, { headers })
    expect(refused.status).toBe(429)
    expect(await refused.json()).toEqual({ error: 'Too Many Requests', policy: 'api', retryAfter: expect.any(Number) })
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await fetch(`${url}/api/videos`, { headers: { 'x-api-key': 'k2' } })).status).toBe(200)
  })

  it('answers refused requests with onLimited', async () => {
    const url = await serve('custom')
    for (let index = 0; index < 2; index++) await fetch(`${url}/api/videos`)
    const refused = await fetch(`${url}/api/videos`)
    expect(refused.status).toBe(429)
    expect(await refused.text()).toMatch(/^wait \d+ s$/)
  })
})
