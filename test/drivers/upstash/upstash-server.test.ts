/**
 * The local Upstash REST stand-in speaks the protocol the real @upstash/redis client
 * expects: checked with raw HTTP (what goes over the wire) and with the unmodified client.
 */
import { Redis } from '@upstash/redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { waitFor } from '../../../src/testing/context.js'
import { startUpstashServer, type UpstashServerHandle } from '../../support/upstash-server.js'

let server: UpstashServerHandle
let prefix = 0

beforeAll(async () => {
  server = await startUpstashServer({ redisUrl: inject('upstashRedisUrl') })
})
afterAll(async () => {
  await server.stop()
})

/** A key of its own for each call site, so tests never see each other's data. */
const key = (name: string): string => `ck:server-test:${++prefix}:${name}`

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown; headers: Headers }> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: response.status, json: await response.json(), headers: response.headers }
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64')

describe('authentication', () => {
  it('answers 401 with a JSON error without the right bearer token', async () => {
    const wrong = await post('/', ['ping'], { authorization: 'Bearer nope' })
    expect(wrong).toMatchObject({ status: 401, json: { error: 'Unauthorized' } })
    const missing = await fetch(server.url, { method: 'POST', body: '["ping"]' })
    expect(missing.status).toBe(401)
  })

  it('refuses other methods than POST', async () => {
    const response = await fetch(server.url, { headers: { authorization: `Bearer ${server.token}` } })
    expect(response.status).toBe(405)
  })
})

describe('single commands', () => {
  it('answers {"result"} with strings as UTF-8 text when no encoding is asked for', async () => {
    const k = key('plain')
    expect(await post('/', ['set', k, 'héllo 🎉'])).toMatchObject({ status: 200, json: { result: 'OK' } })
    expect((await post('/', ['get', k])).json).toEqual({ result: 'héllo 🎉' })
  })

  it('base64-encodes every string except a top-level OK, and passes numbers and nulls through', async () => {
    const k = key('b64')
    const base64 = { 'upstash-encoding': 'base64' }
    expect((await post('/', ['set', k, 'héllo 🎉'], base64)).json).toEqual({ result: 'OK' })
    expect((await post('/', ['get', k], base64)).json).toEqual({ result: b64('héllo 🎉') })
    expect((await post('/', ['strlen', k], base64)).json).toEqual({ result: 11 })
    expect((await post('/', ['get', key('missing')], base64)).json).toEqual({ result: null })
    expect((await post('/', ['ping'], base64)).json).toEqual({ result: b64('PONG') })
  })

  it('recurses into nested arrays, encoding an "OK" inside them too', async () => {
    const lua = "return {1, 'OK', {false, 'x', {}}, redis.call('SET', KEYS[1], 'v')}"
    const { json } = await post('/', ['eval', lua, 1, key('nested')], { 'upstash-encoding': 'base64' })
    expect(json).toEqual({ result: [1, b64('OK'), [null, b64('x'), []], b64('OK')] })
  })

  it('flattens HGETALL into a [field, value, ...] array', async () => {
    const k = key('hash')
    await post('/', ['hset', k, 'a', '1', 'b', '2'])
    const { json } = await post('/', ['hgetall', k])
    const flat = (json as { result: string[] }).result
    expect(flat).toHaveLength(4)
    expect(Object.fromEntries([flat.slice(0, 2), flat.slice(2)] as [string, string][])).toEqual({ a: '1', b: '2' })
  })

  it('answers a refused command with 400 and the Redis error text', async () => {
    const k = key('string')
    await post('/', ['set', k, 'v'])
    expect(await post('/', ['hget', k, 'f'])).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^WRONGTYPE /) } })
    expect(await post('/', ['evalsha', 'f'.repeat(40), 0])).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/^NOSCRIPT /) },
    })
  })

  it('refuses malformed bodies and connection-state commands', async () => {
    expect((await post('/', { not: 'a command' })).status).toBe(400)
    expect((await post('/', ['get', { nested: true }])).status).toBe(400)
    expect(await post('/', ['subscribe', 'c'])).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^ERR /) } })
  })

  it('turns number and boolean arguments into their text', async () => {
    const k = key('numbers')
    await post('/', ['set', k, 1.5, 'px', 60000])
    expect((await post('/', ['get', k])).json).toEqual({ result: '1.5' })
    expect((await post('/', ['pttl', k])).json).toEqual({ result: expect.any(Number) })
  })

  it('hands out a sync token on every answer', async () => {
    const first = await post('/', ['ping'])
    const second = await post('/', ['ping'])
    expect(Number(second.headers.get('upstash-sync-token'))).toBeGreaterThan(Number(first.headers.get('upstash-sync-token')))
  })
})

describe('pipelines and transactions', () => {
  it('answers a pipeline with one result or error entry per command, in order', async () => {
    const k = key('pipe')
    const { status, json } = await post(
      '/pipeline',
      [
        ['set', k, 'text'],
        ['incr', k],
        ['get', k],
        ['exists', k],
      ],
      { 'upstash-encoding': 'base64' },
    )
    expect(status).toBe(200)
    expect(json).toEqual([
      { result: 'OK' },
      { error: 'ERR value is not an integer or out of range' },
      { result: b64('text') },
      { result: 1 },
    ])
  })

  it('runs /multi-exec atomically, reporting per-command errors', async () => {
    const k = key('multi')
    const { json } = await post('/multi-exec', [
      ['set', k, '1'],
      ['incrby', k, 5],
      ['hget', k, 'f'],
    ])
    expect(json).toEqual([{ result: 'OK' }, { result: 6 }, { error: expect.stringMatching(/^WRONGTYPE /) }])
  })

  it('refuses an empty or malformed pipeline as a whole', async () => {
    expect((await post('/pipeline', [])).status).toBe(400)
    expect((await post('/multi-exec', [['get', 'k'], 'not a command'])).status).toBe(400)
  })
})

describe('the unmodified @upstash/redis client', () => {
  it('round-trips values, pipelines and transactions with its default settings', async () => {
    const redis = new Redis({ url: server.url, token: server.token, enableTelemetry: false })
    const k = key('client')
    await redis.set(k, { nested: ['ü', 1] })
    expect(await redis.get(k)).toEqual({ nested: ['ü', 1] })
    const [counter, text, hash] = [key('p'), key('m'), key('h')]
    expect(await redis.pipeline().incr(counter).incrby(counter, 2).exec()).toEqual([1, 3])
    expect(await redis.multi().set(text, 'x').get(text).exec()).toEqual(['OK', 'x'])
    await redis.hset(hash, { a: 'b' })
    expect(await redis.hgetall(hash)).toEqual({ a: 'b' })
  })

  it('sends back the sync token it was given (read-your-writes)', async () => {
    const redis = new Redis({ url: server.url, token: server.token, enableTelemetry: false, enableAutoPipelining: false })
    const before = server.requests.length
    await redis.ping()
    await redis.ping()
    const [first, second] = server.requests.slice(before)
    expect(first?.syncToken).toBe('')
    expect(Number(second?.syncToken)).toBeGreaterThan(0)
  })

  it('receives published messages over the SSE subscribe stream', async () => {
    const redis = new Redis({ url: server.url, token: server.token, enableTelemetry: false, automaticDeserialization: false })
    const channel = key('chan')
    const subscriber = redis.subscribe<string>(channel)
    const received: string[] = []
    subscriber.on('message', ({ message }) => received.push(message))
    await waitFor(async () => (await redis.publish(channel, 'probe')) === 1, 'the subscription to be active')
    await redis.publish(channel, 'hello, world')
    await waitFor(() => received.includes('hello, world'), 'the message')
    await subscriber.unsubscribe()
    await waitFor(async () => (await redis.publish(channel, 'gone')) === 0, 'the server to drop the subscription')
  })
})

describe('the subscribe stream on the wire', () => {
  it('confirms the subscription, then frames each message as SSE data lines', async () => {
    const channel = key('wire')
    const controller = new AbortController()
    const response = await fetch(`${server.url}/subscribe/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, accept: 'text/event-stream' },
      body: '[]',
      signal: controller.signal,
    })
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) text += decoder.decode((await reader.read()).value, { stream: true })
    }
    await readUntil('\n\n')
    expect(text).toBe(`data: subscribe,${channel},1\n\n`)
    await post('/', ['publish', channel, 'two\nlines'])
    await readUntil('lines\n\n')
    expect(text.slice(text.indexOf('\n\n') + 2)).toBe(`data: message,${channel},two\ndata: lines\n\n`)
    controller.abort()
  })
})

describe('faults', () => {
  it('holds requests while hung, and serves again after restore', async () => {
    await server.hang()
    const controller = new AbortController()
    const pending = fetch(server.url, { method: 'POST', body: '["ping"]', signal: controller.signal })
    await waitFor(() => server.heldRequests === 1, 'the request to be held')
    controller.abort()
    await expect(pending).rejects.toThrow()
    await waitFor(() => server.heldRequests === 0, 'the aborted request to be released')
    await server.restore()
    expect((await post('/', ['ping'])).json).toEqual({ result: 'PONG' })
  })

  it('answers every request with an HTTP error while failing', async () => {
    await server.fail(502)
    expect((await post('/', ['ping'])).status).toBe(502)
    await server.restore()
    expect((await post('/', ['ping'])).status).toBe(200)
  })

  it('resets connections while cut', async () => {
    await server.cut()
    await expect(post('/', ['ping'])).rejects.toThrow()
    await server.restore()
    expect((await post('/', ['ping'])).status).toBe(200)
  })
})
