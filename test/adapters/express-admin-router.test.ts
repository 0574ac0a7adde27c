/**
 * adminRouter mounted in a real Express app over real HTTP: the admin handler behind
 * Express's own authorization, at the mount path, with and without a JSON body parser;
 * hostile bodies (huge, chunked, declared too long) sent by a real client over loopback;
 * pattern mounts with many tenants.
 */
import express from 'express'
import { request as httpRequest } from 'node:http'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { adminRouter } from '../../src/adapters/express/index.js'
import * as admin from '../../src/admin/index.js'
import { ValidationError } from '../../src/core/errors/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { listen, type Listening } from './listen.js'
import { streamPost } from './stream-post.js'

// Counts the admin handlers the router creates; the real createAdminHandler does the work.
vi.mock('../../src/admin/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/admin/index.js')>()
  return { ...actual, createAdminHandler: vi.fn(actual.createAdminHandler) }
})

describe.each(targets('memory', 'redis'))('adminRouter on $name', ({ createDriver }) => {
  let kit: Cachekit
  let server: Listening
  afterEach(async () => {
    await server?.close()
    await kit?.close()
  })

  async function serve(parseJson: boolean) {
    kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('admin') })
    const app = express()
    if (parseJson) app.use(express.json())
    app.use('/admin/cache', adminRouter(kit, { authorize: (req) => req.get('authorization') === 'Bearer s3cret' }))
    server = await listen(app)
    return server.server
  }

  it('serves health to an authorized request at the mount path, and refuses others', async () => {
    const http = await serve(false)
    const health = await request(http).get('/admin/cache/health').set('Authorization', 'Bearer s3cret')
    expect(health.status).toBe(200)
    expect(health.body).toMatchObject({ status: 'healthy', circuit: 'closed' })
    const refused = await request(http).get('/admin/cache/health')
    expect(refused.status).toBeGreaterThanOrEqual(401)
    expect(refused.status).toBeLessThanOrEqual(403)
    const dashboard = await request(http).get('/admin/cache/').set('Authorization', 'Bearer s3cret')
    expect(dashboard.headers['content-type']).toMatch(/^text\/html/)
  })

  it.each([false, true])('invalidates a key with a same-origin JSON POST (body parser before it: %s)', async (parseJson) => {
    const http = await serve(parseJson)
    await kit.cache.set('video:1', { id: 1 }, { ttl: '1m' })
    const origin = server.url
    const response = await request(http)
      .post('/admin/cache/invalidate')
      .set('Authorization', 'Bearer s3cret')
      .set('Origin', origin)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ key: 'video:1' }))
    expect(response.status).toBe(200)
    expect(await kit.cache.get('video:1')).toBeUndefined()
  })
})

describe('adminRouter setup', () => {
  it('refuses to be created without authorize', () => {
    expect(() => adminRouter(createCachekit(), {} as never)).toThrow(ValidationError)
  })
})

const MiB = 1024 * 1024
const CAP = 64 * 1024
// What Node may hold beyond what the router asked for: the request's and the socket's buffers.
const NODE_BUFFERS = 1 * MiB
const AUTH = { authorization: 'Bearer s3cret' }

describe('adminRouter and request bodies', () => {
  let kit: Cachekit
  let server: Listening
  /** The socket's bytesRead each time the app wrote a response head. */
  let bytesReadAtResponse: number[]
  afterEach(async () => {
    await server?.close()
    await kit?.close()
  })

  async function serve(options: { maxBodyBytes?: number; parseJson?: boolean } = {}) {
    kit = createCachekit({ prefix: uniquePrefix('admin-body') })
    bytesReadAtResponse = []
    const app = express()
    app.use((req, res, next) => {
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res
      res.writeHead = ((...args: unknown[]) => {
        bytesReadAtResponse.push(req.socket.bytesRead)
        return writeHead(...args)
      }) as typeof res.writeHead
      next()
    })
    if (options.parseJson) app.use(express.json())
    const { parseJson: _parseJson, ...routerOptions } = options
    app.use('/admin/cache', adminRouter(kit, { ...routerOptions, authorize: (req) => req.get('authorization') === AUTH.authorization }))
    server = await listen(app)
    return `${server.url}/admin/cache`
  }

  const jsonHeaders = () => ({ ...AUTH, 'content-type': 'application/json', origin: server.url })

  it('answers an unauthorized 64 MB chunked POST with 401 before the client has sent it, reading none of it', async () => {
    const base = await serve()
    const response = await streamPost(`${base}/invalidate`, { bytes: 64 * MiB, headers: { 'content-type': 'application/json' } })
    expect(response.status).toBe(401)
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'UNAUTHORIZED', message: 'not authorized' } })
    expect(response.finishedSending).toBe(false)
    expect(response.writtenAtResponse).toBeLessThan(16 * MiB)
    expect(bytesReadAtResponse[0]).toBeLessThan(NODE_BUFFERS)
    expect(response.headers.connection).toBe('close')
  })

  it('stops reading an authorized chunked body at maxBodyBytes and answers 413', async () => {
    const base = await serve()
    const response = await streamPost(`${base}/invalidate`, { bytes: 64 * MiB, headers: jsonHeaders() })
    expect(response.status).toBe(413)
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: `the body must be at most ${CAP} bytes` } })
    expect(response.finishedSending).toBe(false)
    expect(response.writtenAtResponse).toBeLessThan(16 * MiB)
    expect(bytesReadAtResponse[0]).toBeLessThan(CAP + NODE_BUFFERS)
    expect(response.headers.connection).toBe('close')
  })

  it('refuses a declared Content-Length over the cap at once, before the client sends a byte of body', async () => {
    const base = await serve()
    const response = await streamPost(`${base}/invalidate`, { bytes: 0, contentLength: 512 * MiB, headers: jsonHeaders() })
    expect(response.status).toBe(413)
    expect(JSON.parse(response.body).error.code).toBe('PAYLOAD_TOO_LARGE')
    expect(response.writtenAtResponse).toBe(0)
  })

  it('takes a smaller maxBodyBytes, and refuses a bad one at setup', async () => {
    const base = await serve({ maxBodyBytes: 1024 })
    await kit.cache.set('video:1', { id: 1 }, { ttl: '1m' })
    const tooLong = await streamPost(`${base}/invalidate`, {
      bytes: 2048,
      tail: JSON.stringify({ key: 'video:1' }),
      headers: jsonHeaders(),
    })
    expect(tooLong.status).toBe(413)
    expect(await kit.cache.get('video:1')).toEqual({ id: 1 })
    for (const maxBodyBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 * MiB, '64kb']) {
      expect(() => adminRouter(kit, { authorize: () => true, maxBodyBytes: maxBodyBytes as number }), String(maxBodyBytes)).toThrow(
        ValidationError,
      )
    }
  })

  it.each([false, true])('still invalidates with a chunked body just under the cap (body parser before it: %s)', async (parseJson) => {
    const base = await serve({ parseJson })
    await kit.cache.set('video:1', { id: 1 }, { ttl: '1m' })
    const response = await streamPost(`${base}/invalidate`, {
      bytes: CAP,
      tail: JSON.stringify({ key: 'video:1' }),
      chunkBytes: 4096,
      headers: jsonHeaders(),
    })
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body)).toEqual({ ok: true, kind: 'key', deleted: 1 })
    expect(response.headers.connection).not.toBe('close')
    expect(await kit.cache.get('video:1')).toBeUndefined()
  })

  it('answers, instead of waiting forever, when the client goes away while authorize runs', async () => {
    kit = createCachekit({ prefix: uniquePrefix('admin-body') })
    let authorizing = false
    let ended = false
    const app = express()
    app.use((_req, res, next) => {
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res
      res.end = ((...args: unknown[]) => {
        ended = true
        return end(...args)
      }) as typeof res.end
      next()
    })
    const authorize = (req: express.Request) => {
      authorizing = true
      return new Promise<boolean>((resolve) => req.socket.once('close', () => resolve(true)))
    }
    app.use('/admin/cache', adminRouter(kit, { authorize }))
    server = await listen(app)
    const client = httpRequest(`${server.url}/admin/cache/invalidate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
    })
    client.on('error', () => undefined)
    client.write('{"key":')
    await vi.waitFor(() => expect(authorizing).toBe(true))
    client.destroy()
    await vi.waitFor(() => expect(ended).toBe(true), { timeout: 10_000 })
  })

  it('reads no body on routes that take none, and closes the connection instead of draining it', async () => {
    const base = await serve()
    const response = await streamPost(`${base}/health`, { bytes: 64 * MiB, headers: AUTH })
    expect(response.status).toBe(405)
    expect(response.finishedSending).toBe(false)
    expect(bytesReadAtResponse[0]).toBeLessThan(NODE_BUFFERS)
    expect(response.headers.connection).toBe('close')
  })
})

describe('adminRouter on a pattern mount', () => {
  let kit: Cachekit
  let server: Listening
  afterEach(async () => {
    await server?.close()
    await kit?.close()
  })

  it('serves 10,000 tenant paths from one admin handler, whatever the number of mount paths', async () => {
    kit = createCachekit({ prefix: uniquePrefix('admin-tenants') })
    const created = vi.mocked(admin.createAdminHandler).mock.calls.length
    const app = express()
    app.use('/t/:tenant/admin', adminRouter(kit, { authorize: (req) => req.get('authorization') === AUTH.authorization }))
    server = await listen(app)
    const status = async (path: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${server.url}${path}`, { headers })
      await response.arrayBuffer()
      return response.status
    }
    // Refused requests are the cheapest way through every mount path (the old router made
    // a handler per path before authorizing); a few authorized ones show the routing.
    const statuses = new Map<number, number>()
    for (let batch = 0; batch < 100; batch++) {
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => status(`/t/tenant-${batch * 100 + i}/admin/health`)))
      for (const answer of answers) statuses.set(answer, (statuses.get(answer) ?? 0) + 1)
    }
    expect(statuses).toEqual(new Map([[401, 10_000]]))
    for (const tenant of ['tenant-1', 'tenant-9999', 'acme']) {
      expect(await status(`/t/${tenant}/admin/health`, AUTH), tenant).toBe(200)
      expect(await status(`/t/${tenant}/admin/nope`, AUTH), tenant).toBe(404)
    }
    expect(await status('/t/acme/health', AUTH)).toBe(404)
    expect(vi.mocked(admin.createAdminHandler).mock.calls.length - created).toBe(1)
  }, 180_000)
})
