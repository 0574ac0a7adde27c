/**
 * The admin handler with real Fetch-API Requests against a kit on a real Redis: routes,
 * status codes, authorization, same-origin checks on POST, and error bodies that never
 * carry secrets.
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { createAdminHandler, redact } from '../../src/admin/index.js'
import { ValidationError } from '../../src/core/errors/index.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { defineKeys } from '../../src/keys/index.js'
import { createCachekit } from '../../src/kit.js'
import { freePort } from '../support/redis-process.js'
import { uniquePrefix } from '../support/targets.js'

const keys = defineKeys({
  user: { template: 'user:{id}', ttl: '1h', tags: ({ id }) => [`user:${id}`] },
  feed: { template: 'feed:{page}', ttl: '5m', priority: 'low' },
})

const TOKEN = 'admin-token-for-tests'
const ORIGIN = 'http://admin.test'
const authorize = (request: Request) => request.headers.get('authorization') === `Bearer ${TOKEN}`

let kit: ReturnType<typeof createCachekit<typeof keys>>
let handler: (request: Request) => Promise<Response>

beforeAll(async () => {
  kit = createCachekit({ driver: ioredisDriver({ url: inject('redisUrl') }), prefix: uniquePrefix('admin'), keys })
  handler = createAdminHandler(kit, { authorize, basePath: '/admin/cache' })
  await kit.cache.getOrSet(keys.user({ id: 1 }), () => ({ name: 'Ada' }))
  await kit.cache.getOrSet(keys.user({ id: 1 }), () => ({ name: 'Ada' }))
  await Promise.all(Array.from({ length: 12 }, (_, page) => kit.cache.set(keys.feed({ page }), [page])))
})
afterAll(async () => {
  await kit?.close()
})

function call(path: string, init: RequestInit & { auth?: boolean } = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  if (init.auth !== false && !headers.has('authorization')) headers.set('authorization', `Bearer ${TOKEN}`)
  return handler(new Request(`${ORIGIN}/admin/cache${path}`, { ...init, headers }))
}

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call('/invalidate', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers },
  })
}

describe('creating the handler', () => {
  it('refuses to exist without authorize', () => {
    expect(() => createAdminHandler(kit, {} as never)).toThrow(ValidationError)
    expect(() => createAdminHandler(kit, undefined as never)).toThrow(/authorize/)
    expect(() => createAdminHandler(kit, { authorize, basePath: 'admin' })).toThrow(ValidationError)
  })
})

describe('authorization', () => {
  it('answers 401 on every route, known or not, without authorization', async () => {
    for (const path of ['', '/', '/health', '/metrics', '/metrics/prometheus', '/keys', '/nope']) {
      const response = await call(path, { auth: false })
      expect(response.status, path).toBe(401)
      expect(await response.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'not authorized' } })
    }
    expect((await post({ key: 'user:1' }, { authorization: 'Bearer wrong' })).status).toBe(401)
  })

  it('treats an authorize that throws or rejects as a refusal', async () => {
    const throwing = createAdminHandler(kit, {
      authorize: () => {
        throw new Error('session store down')
      },
    })
    const rejecting = createAdminHandler(kit, { authorize: async () => Promise.reject(new Error('nope')) })
    expect((await throwing(new Request(`${ORIGIN}/health`))).status).toBe(401)
    expect((await rejecting(new Request(`${ORIGIN}/health`))).status).toBe(401)
  })
})

describe('read routes', () => {
  it('GET /health answers 200 with the report', async () => {
    const response = await call('/health')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toMatchObject({
      status: 'healthy',
      driver: { name: 'ioredis', server: expect.stringMatching(/^redis /) },
    })
  })

  it('GET /metrics answers the JSON snapshot', async () => {
    const body = await (await call('/metrics')).json()
    expect(body.cache.families.user).toMatchObject({ hits: 1, misses: 1 })
    expect(body.server.version).toMatch(/^\d/)
  })

  it('GET /metrics/prometheus answers valid text exposition format', async () => {
    const response = await call('/metrics/prometheus')
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await response.text()
    expect(text).toContain('cachekit_cache_hits_total{family="user"} 1')
    expect(text).toContain('# TYPE cachekit_driver_call_duration_seconds histogram')
    expect(text).toMatch(/^cachekit_redis_used_memory_bytes\{node="standalone"\} \d+$/m)
    for (const line of text.trimEnd().split('\n')) {
      expect(line).toMatch(
        /^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?\d+(\.\d+)?(e[-+]?\d+)?|NaN|[+-]Inf))$/,
      )
    }
    const buckets = [...text.matchAll(/^cachekit_driver_call_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((match) =>
      Number(match[2]),
    )
    expect(buckets.length).toBeGreaterThan(5)
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b))
  })

  it('GET /keys answers the TTL table and the distribution, optionally for one family', async () => {
    const body = await (await call('/keys?sample=50')).json()
    expect(body.ttlTable.map((row: { family: string; ttl: string; priority: string }) => [row.family, row.ttl, row.priority])).toEqual([
      ['user', '1h', 'normal'],
      ['feed', '5m', 'low'],
    ])
    expect(body.distribution.families.map((family: { family: string; keys: number }) => [family.family, family.keys]).sort()).toEqual([
      ['feed', 12],
      ['user', 1],
    ])
    const feed = await (await call('/keys?family=feed')).json()
    expect(feed.ttlTable).toHaveLength(1)
    expect(feed.distribution.families).toEqual([expect.objectContaining({ family: 'feed', keys: 12 })])
  })

  it('refuses sample and count outside their bounds before touching the server', async () => {
    const distribution = vi.spyOn(kit.monitor, 'keyDistribution')
    const slowlog = vi.spyOn(kit.monitor, 'slowlog')
    for (const sample of ['-1', '0', '10001', '9999999', '1e3', 'x']) {
      const response = await call(`/keys?sample=${sample}`)
      expect(response.status, sample).toBe(400)
      expect((await response.json()).error).toEqual({ code: 'VALIDATION_ERROR', message: 'sample must be an integer from 1 to 10000' })
    }
    for (const count of ['0', '1001', '9999999']) expect((await call(`/slowlog?count=${count}`)).status, count).toBe(400)
    expect(distribution).not.toHaveBeenCalled()
    expect(slowlog).not.toHaveBeenCalled()
    expect((await call('/keys?sample=10000')).status).toBe(200)
    expect((await call('/slowlog?count=1000')).status).toBe(200)
    distribution.mockRestore()
    slowlog.mockRestore()
  })

  it('GET /slowlog answers the slow log', async () => {
    expect(await (await call('/slowlog?count=3')).json()).toMatchObject({ supported: true, nodesRead: 1 })
  })

  it('GET / serves the self-contained dashboard under a strict CSP', async () => {
    for (const path of ['', '/']) {
      const response = await call(path)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
      const csp = response.headers.get('content-security-policy') ?? ''
      expect(csp).toMatch(/default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-/)
      const html = await response.text()
      expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i)
      expect(html).toContain('id="memory-arc"')
    }
  })

  it('answers 404 for unknown routes and 405 for wrong methods', async () => {
    expect((await call('/flushall')).status).toBe(404)
    expect((await handler(new Request(`${ORIGIN}/elsewhere/health`, { headers: { authorization: `Bearer ${TOKEN}` } }))).status).toBe(404)
    const wrong = await call('/invalidate')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST')
    expect((await call('/health', { method: 'POST' })).status).toBe(405)
  })
})

describe('POST /invalidate', () => {
  it('deletes one key within the namespace', async () => {
    await kit.cache.set(keys.user({ id: 5 }), { name: 'Eve' })
    const response = await post({ key: 'user:5' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true, kind: 'key', deleted: 1 })
    expect(await kit.cache.get(keys.user({ id: 5 }))).toBeUndefined()
  })

  it('invalidates by tag and by pattern within the namespace', async () => {
    const tag = await post({ tag: 'user:1' })
    expect(tag.status).toBe(200)
    expect(await tag.json()).toMatchObject({ ok: true, kind: 'tags', result: { tags: ['user:1'] } })
    expect(await kit.cache.get(keys.user({ id: 1 }))).toBeUndefined()
    const pattern = await post({ pattern: 'feed:*' })
    expect(pattern.status).toBe(200)
    expect(await kit.cache.get(keys.feed({ page: 3 }))).toBeUndefined()
    expect((await post({ pattern: '__rl:*' })).status).toBe(400)
  })

  it('refuses cross-origin and cross-site requests, forms and malformed bodies', async () => {
    await kit.cache.set(keys.user({ id: 6 }), { name: 'Bob' })
    expect((await post({ key: 'user:6' }, { origin: 'https://evil.example' })).status).toBe(403)
    expect((await post({ key: 'user:6' }, { origin: ORIGIN, 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    const form = await call('/invalidate', {
      method: 'POST',
      body: 'key=user:6',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    })
    expect(form.status).toBe(415)
    const notJson = await call('/invalidate', { method: 'POST', body: '{oops', headers: { 'content-type': 'application/json' } })
    expect(notJson.status).toBe(400)
    expect((await post({ key: 'user:6', tag: 'x' })).status).toBe(400)
    expect((await post({ key: '' })).status).toBe(400)
    expect((await post({ key: '__rl:{x}' })).status).toBe(400)
    expect(await kit.cache.get(keys.user({ id: 6 }))).toEqual({ name: 'Bob' })
  })

  it('accepts a configured extra origin (a proxy in front)', async () => {
    const proxied = createAdminHandler(kit, { authorize, allowedOrigins: ['https://ops.example'] })
    const response = await proxied(
      new Request(`${ORIGIN}/invalidate`, {
        method: 'POST',
        body: JSON.stringify({ key: 'user:404' }),
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
          origin: 'https://ops.example',
          'sec-fetch-site': 'cross-site',
        },
      }),
    )
    expect(response.status).toBe(200)
  })
})

describe('request bodies (the Fetch path of Next route handlers and Hono)', () => {
  const CAP = 64 * 1024
  const CHUNK = 16 * 1024

  /** A body made on the fly, one chunk per pull, that records what was pulled from it. */
  function streamedBody(totalBytes: number, tail = '') {
    const counter = { pulls: 0, bytes: 0, cancelled: false }
    const end = new TextEncoder().encode(tail)
    const padding = totalBytes - end.byteLength
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          counter.pulls++
          if (counter.bytes >= totalBytes) return controller.close()
          const chunk = counter.bytes < padding ? new Uint8Array(Math.min(CHUNK, padding - counter.bytes)).fill(0x20) : end
          counter.bytes += chunk.byteLength
          controller.enqueue(chunk)
        },
        cancel() {
          counter.cancelled = true
        },
      },
      { highWaterMark: 0 },
    )
    return { stream, counter }
  }

  function postStream(stream: ReadableStream<Uint8Array>, headers: Record<string, string> = {}, target = handler): Promise<Response> {
    const init = {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', origin: ORIGIN, ...headers },
    }
    return target(new Request(`${ORIGIN}/admin/cache/invalidate`, init as RequestInit))
  }

  it('pulls nothing from the body of an unauthorized request', async () => {
    const { stream, counter } = streamedBody(64 * 1024 * 1024)
    const response = await postStream(stream, { authorization: 'Bearer wrong' })
    expect(response.status).toBe(401)
    expect(counter.pulls).toBe(0)
  })

  it('stops pulling a streamed body one chunk past maxBodyBytes and answers 413', async () => {
    const { stream, counter } = streamedBody(64 * 1024 * 1024)
    const response = await postStream(stream)
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: `the body must be at most ${CAP} bytes` } })
    expect(counter.bytes).toBeLessThanOrEqual(CAP + CHUNK)
    expect(counter.cancelled).toBe(true)
  })

  it('refuses a declared Content-Length over the cap without pulling the body', async () => {
    const { stream, counter } = streamedBody(64 * 1024 * 1024)
    const response = await postStream(stream, { 'content-length': String(512 * 1024 * 1024) })
    expect(response.status).toBe(413)
    expect((await response.json()).error.code).toBe('PAYLOAD_TOO_LARGE')
    expect(counter.pulls).toBe(0)
  })

  it('invalidates with a streamed body just under the cap', async () => {
    await kit.cache.set(keys.user({ id: 7 }), { name: 'Ivy' })
    const { stream } = streamedBody(CAP, JSON.stringify({ key: 'user:7' }))
    const response = await postStream(stream)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true, kind: 'key', deleted: 1 })
    expect(await kit.cache.get(keys.user({ id: 7 }))).toBeUndefined()
  })

  it('answers 400, not 500, when the body stream fails midway', async () => {
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('client went away'))
      },
    })
    const response = await postStream(failing)
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: { code: 'VALIDATION_ERROR', message: 'the body could not be read' } })
  })

  it('takes a smaller maxBodyBytes, and refuses a bad one at creation', async () => {
    const small = createAdminHandler(kit, { authorize, basePath: '/admin/cache', maxBodyBytes: 1024 })
    await kit.cache.set(keys.user({ id: 8 }), { name: 'Max' })
    const { stream, counter } = streamedBody(2048, JSON.stringify({ key: 'user:8' }))
    expect((await postStream(stream, {}, small)).status).toBe(413)
    expect(counter.bytes).toBeLessThanOrEqual(1024 + CHUNK)
    expect(await kit.cache.get(keys.user({ id: 8 }))).toEqual({ name: 'Max' })
    for (const maxBodyBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 * 1024 * 1024, '64kb']) {
      expect(() => createAdminHandler(kit, { authorize, maxBodyBytes: maxBodyBytes as number }), String(maxBodyBytes)).toThrow(
        ValidationError,
      )
    }
  })
})

describe('errors', () => {
  it('never leak the connection string, password or tokens', async () => {
    const port = await freePort()
    const password = 's3cret-Pa55word'
    const url = `redis://default:${password}@127.0.0.1:${port}`
    const down = createCachekit({
      driver: ioredisDriver({ url, commandTimeoutMs: 100, connectTimeoutMs: 100 }),
      prefix: uniquePrefix('down'),
      keys,
      onError: 'throw',
    })
    try {
      const downHandler = createAdminHandler(down, { authorize, secrets: [password] })
      const request = (path: string, init: RequestInit = {}) =>
        downHandler(
          new Request(`${ORIGIN}${path}`, {
            ...init,
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
          }),
        )
      const responses = [
        await request('/health'),
        await request('/metrics'),
        await request('/keys'),
        await request('/slowlog'),
        await request('/invalidate', { method: 'POST', body: JSON.stringify({ key: 'user:1' }) }),
      ]
      expect(responses[0]?.status).toBe(503)
      for (const response of responses) {
        const text = await response.text()
        expect(text).not.toContain(password)
        expect(text).not.toContain(String(port))
        expect(text).not.toContain('redis://')
      }
    } finally {
      await down.close()
    }
  })

  it('answers a generic 500 for failures that are not cachekit errors', async () => {
    const broken = createAdminHandler(
      {
        ...kit,
        monitor: Object.assign(Object.create(kit.monitor) as typeof kit.monitor, {
          health: async () => Promise.reject(new Error(`connect to redis://u:p@10.0.0.1 failed`)),
        }),
      },
      { authorize },
    )
    const response = await broken(new Request(`${ORIGIN}/health`, { headers: { authorization: `Bearer ${TOKEN}` } }))
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'the admin handler failed; see the server log' } })
  })

  it('scrubs credentials, bearer tokens and token-like strings from messages', () => {
    expect(redact('connect to rediss://user:pw@host:6379 failed')).toBe('connect to rediss://***@host:6379 failed')
    expect(redact('Authorization: Bearer abc.def')).toBe('Authorization: Bearer ***')
    expect(redact('token=AXyzAXyzAXyzAXyz and password: hunter2')).toBe('token=*** and password: ***')
    expect(redact(`upstash ${'A'.repeat(60)} refused`)).toBe('upstash *** refused')
    expect(redact('my app secret value', ['secret value'])).toBe('my app ***')
  })
})

describe('HEAD', () => {
  it('is answered like GET', async () => {
    const spy = vi.spyOn(kit.monitor, 'health')
    expect((await call('/health', { method: 'HEAD' })).status).toBe(200)
    expect(spy).toHaveBeenCalled()
    spy.mockRestore()
  })
})
