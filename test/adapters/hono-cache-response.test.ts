/**
 * cacheResponse on a real Hono app served by @hono/node-server on a loopback port, called
 * with fetch, on the memory driver and the Upstash stand-in (Hono's edge deployments use
 * Upstash).
 */
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cacheResponse } from '../../src/adapters/hono/index.js'
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
    const handler = vi.fn((c: { json: (value: unknown) => Response; req: { query: (name: string) => string | undefined } }) => c.json({ page: c.req.query('page') }))
    const url = await serve((app) => app.get('/videos', cacheResponse(kit, { key: (c) => `page:videos:${c.req.query('page') ?? 1}`, ttl: '1m' }), handler))

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

  it('refuses an authenticated request whose key does not name the user', async () => {
    const url = await serve((app) => {
      app.get('/me', cacheResponse(kit, { key: () => 'page:me', ttl: '1m', user: (c) => c.req.header('x-user') }), (c) => c.json({ me: true }))
      app.get('/mine', cacheResponse(kit, { key: (c) => `page:mine:${c.req.header('x-user')}`, ttl: '1m', user: (c) => c.req.header('x-user') }), (c) => c.json({ mine: c.req.header('x-user') }))
    })
    const refused = await fetch(`${url}/me`, { headers: { 'x-user': 'ada', authorization: 'Bearer ada' } })
    expect(refused.status).toBe(500)
    expect(await refused.json()).toMatchObject({ error: 'ValidationError' })
    await fetch(`${url}/mine`, { headers: { 'x-user': 'ada', authorization: 'Bearer ada' } })
    const grace = await fetch(`${url}/mine`, { headers: { 'x-user': 'grace', authorization: 'Bearer grace' } })
    expect(await grace.json()).toEqual({ mine: 'grace' })
    expect(grace.headers.get('x-cache')).toBe('MISS')
  })
})
