/**
 * createAdminHandler mounted in a real Hono app (`(c) => handler(c.req.raw)`), served by
 * @hono/node-server on a loopback port, under hostile bodies from a real client: huge and
 * chunked, with or without authorization, or declared far too long.
 */
import { getRequestListener, type HttpBindings } from '@hono/node-server'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { createAdminHandler } from '../../src/admin/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { uniquePrefix } from '../support/targets.js'
import { listen, type Listening } from './listen.js'
import { streamPost } from './stream-post.js'

const MiB = 1024 * 1024
const CAP = 64 * 1024
// What Node and @hono/node-server may hold beyond what the handler asked for.
const NODE_BUFFERS = 1 * MiB
const AUTH = { authorization: 'Bearer s3cret' }

describe('createAdminHandler in a Hono app', () => {
  let kit: Cachekit
  let server: Listening
  /** The socket's bytesRead when the handler had answered. */
  let bytesReadAtResponse: number[]
  afterEach(async () => {
    await server?.close()
    await kit?.close()
  })

  async function serve() {
    kit = createCachekit({ prefix: uniquePrefix('hono-admin') })
    bytesReadAtResponse = []
    const handler = createAdminHandler(kit, {
      basePath: '/admin/cache',
      authorize: (request) => request.headers.get('authorization') === AUTH.authorization,
    })
    const app = new Hono<{ Bindings: HttpBindings }>()
    app.all('/admin/cache/*', async (c) => {
      const response = await handler(c.req.raw)
      bytesReadAtResponse.push(c.env.incoming.socket.bytesRead)
      return response
    })
    server = await listen(getRequestListener(app.fetch))
    return `${server.url}/admin/cache`
  }

  const jsonHeaders = () => ({ ...AUTH, 'content-type': 'application/json', origin: server.url })

  it('answers an unauthorized 64 MB chunked POST with 401 before the client has sent it', async () => {
    const base = await serve()
    const response = await streamPost(`${base}/invalidate`, { bytes: 64 * MiB, headers: { 'content-type': 'application/json' } })
    expect(response.status).toBe(401)
    expect(JSON.parse(response.body).error.code).toBe('UNAUTHORIZED')
    expect(response.finishedSending).toBe(false)
    expect(response.writtenAtResponse).toBeLessThan(16 * MiB)
    expect(bytesReadAtResponse[0]).toBeLessThan(NODE_BUFFERS)
  })

  it('stops reading an authorized chunked body at maxBodyBytes and answers 413', async () => {
    const base = await serve()
    const response = await streamPost(`${base}/invalidate`, { bytes: 64 * MiB, headers: jsonHeaders() })
    expect(response.status).toBe(413)
    expect(JSON.parse(response.body).error.code).toBe('PAYLOAD_TOO_LARGE')
    expect(response.finishedSending).toBe(false)
    expect(response.writtenAtResponse).toBeLessThan(16 * MiB)
    expect(bytesReadAtResponse[0]).toBeLessThan(CAP + NODE_BUFFERS)
  })

  it('refuses a declared Content-Length over the cap at once, before the client sends a byte of body', async () => {
    const base = await serve()
    const response = await streamPost(`${base}/invalidate`, { bytes: 0, contentLength: 512 * MiB, headers: jsonHeaders() })
    expect(response.status).toBe(413)
    expect(JSON.parse(response.body).error.code).toBe('PAYLOAD_TOO_LARGE')
    expect(response.writtenAtResponse).toBe(0)
  })

  it('still invalidates with a chunked body just under the cap', async () => {
    const base = await serve()
    await kit.cache.set('video:1', { id: 1 }, { ttl: '1m' })
    const response = await streamPost(`${base}/invalidate`, {
      bytes: CAP,
      tail: JSON.stringify({ key: 'video:1' }),
      chunkBytes: 4096,
      headers: jsonHeaders(),
    })
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body)).toEqual({ ok: true, kind: 'key', deleted: 1 })
    expect(await kit.cache.get('video:1')).toBeUndefined()
  })
})
