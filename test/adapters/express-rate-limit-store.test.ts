/**
 * expressRateLimitStore under express-rate-limit itself, on a real Express app over real
 * HTTP, on the memory driver, a real Redis and the Upstash stand-in.
 */
import express from 'express'
import { rateLimit } from 'express-rate-limit'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { expressRateLimitStore } from '../../src/adapters/express/index.js'
import { ValidationError } from '../../src/core/errors/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { listen, type Listening } from './listen.js'

describe.each(targets('memory', 'redis', 'upstash'))('expressRateLimitStore on $name', ({ createDriver }) => {
  let kit: Cachekit
  let server: Listening
  const serve = async (limiterOptions: Parameters<typeof rateLimit>[0] & object, storeOptions?: { prefix?: string }) => {
    kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix() })
    const limiter = rateLimit({
      windowMs: 60_000,
      limit: 2,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      ...limiterOptions,
      store: expressRateLimitStore(kit, storeOptions),
    })
    const app = express()
    app.get('/api', limiter, (_req, res) => void res.json({ ok: true }))
    app.get('/reset', async (req, res) => {
      await limiter.resetKey(String(req.query.key))
      res.end()
    })
    server = await listen(app)
    return server.server
  }
  afterEach(async () => {
    await server?.close()
    await kit?.close()
  })

  it('counts requests in the kit and answers 429 past the limit', async () => {
    const http = await serve({})
    const statuses = []
    for (let index = 0; index < 3; index++) statuses.push((await request(http).get('/api')).status)
    expect(statuses).toEqual([200, 200, 429])
    const keys = []
    for await (const batch of kit.driver.scan(`${kit.namespace.prefix}__erl:*`)) keys.push(...batch)
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatch(/__erl:default:/)
    const ttlMs = await kit.driver.pttl(keys[0] as string)
    expect(ttlMs).toBeGreaterThan(50_000)
    expect(ttlMs).toBeLessThanOrEqual(60_000)
  })

  it('reports the window reset in the standard headers', async () => {
    const http = await serve({})
    const response = await request(http).get('/api')
    expect(response.headers.ratelimit).toMatch(/r=1;\s*t=(59|60)/)
  })

  it('shares counters between two apps on one store key space', async () => {
    const http = await serve({})
    const second = express()
    second.get(
      '/api',
      rateLimit({ windowMs: 60_000, limit: 2, store: expressRateLimitStore(kit) }),
      (_req, res) => void res.json({ ok: true }),
    )
    const other = await listen(second)
    try {
      expect((await request(http).get('/api')).status).toBe(200)
      expect((await request(other.server).get('/api')).status).toBe(200)
      expect((await request(http).get('/api')).status).toBe(429)
    } finally {
      await other.close()
    }
  })

  it('decrements for skipped successful requests, and resets a key', async () => {
    const http = await serve({ skipSuccessfulRequests: true, limit: 1 })
    for (let index = 0; index < 3; index++) expect((await request(http).get('/api')).status).toBe(200)
    const [key] = await collect(kit)
    expect(await kit.driver.get(key as string)).toBe('0')
    await request(http).get('/reset?key=127.0.0.1')
    expect(await collect(kit)).toEqual([])
  })

  it('keeps limiters with different prefixes apart', async () => {
    const http = await serve({ limit: 1 }, { prefix: 'login' })
    const store = expressRateLimitStore(kit, { prefix: 'search' })
    store.init?.({ windowMs: 60_000 } as never)
    expect((await request(http).get('/api')).status).toBe(200)
    expect(await store.get?.('127.0.0.1')).toBeUndefined()
    expect((await store.increment('127.0.0.1')).totalHits).toBe(1)
    expect((await request(http).get('/api')).status).toBe(429)
  })
})

describe('expressRateLimitStore options', () => {
  it('refuses an empty prefix', () => {
    expect(() => expressRateLimitStore(createCachekit(), { prefix: '' })).toThrow(ValidationError)
  })
})

async function collect(kit: Cachekit): Promise<string[]> {
  const keys: string[] = []
  for await (const batch of kit.driver.scan(`${kit.namespace.prefix}__erl:*`)) keys.push(...batch)
  return keys
}
