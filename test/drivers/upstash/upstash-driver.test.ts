/**
 * What the conformance suite cannot see: options, a client passed in, round trips,
 * timeouts, error mapping and secrecy, NOSCRIPT recovery, and subscription details.
 * The real @upstash/redis client talks to the local Upstash REST stand-in in front of a
 * redis-server of this file's own.
 */
import { readdir, readFile } from 'node:fs/promises'
import { Redis } from '@upstash/redis'
import { Redis as IORedis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CommandError, DriverClosedError, DriverError, DriverTimeoutError, ValidationError } from '../../../src/core/errors/index.js'
import type { Driver } from '../../../src/drivers/driver.js'
import { upstashDriver } from '../../../src/drivers/upstash/index.js'
import { incrWithTtl } from '../../../src/scripts/index.js'
import { waitFor } from '../../../src/testing/context.js'
import { startRedisServer, type RedisServerHandle } from '../../support/redis-server.js'
import { startUpstashServer, type UpstashServerHandle } from '../../support/upstash-server.js'

const TOKEN = 'sekret-token-7f3a9c'
const TIMEOUT_MS = 200
/** Scheduling slack on a busy 2-core machine, not a hoped-for latency. */
const SLACK_MS = 400

let redisServer: RedisServerHandle
let server: UpstashServerHandle
let admin: IORedis
let driver: Driver
let serial = 0
const key = (name: string): string => `ck:upstash-test:${++serial}:${name}`

beforeAll(async () => {
  redisServer = await startRedisServer()
  server = await startUpstashServer({ redisUrl: redisServer.url, token: TOKEN })
  admin = new IORedis(redisServer.url, { protocol: 2 })
  driver = upstashDriver({ url: server.url, token: TOKEN, commandTimeoutMs: TIMEOUT_MS })
})
afterEach(async () => {
  await server.restore()
})
afterAll(async () => {
  await driver.close()
  admin.disconnect()
  await server.stop()
  await redisServer.stop()
})

/** The rejection of `promise` (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (reason: unknown) => reason as Error,
  )
}

/** Everything an error would show in a log: message, stack and cause chain. */
function logged(error: Error): string {
  const causes: string[] = []
  for (let cause: unknown = error.cause; cause instanceof Error; cause = cause.cause) causes.push(`${cause.message}\n${cause.stack ?? ''}`)
  return [error.message, error.stack ?? '', ...causes].join('\n')
}

describe('options', () => {
  it.each([
    ['no options', undefined],
    ['a URL that is not http(s)', { url: 'redis://example.com', token: TOKEN }],
    ['an empty token', { url: 'https://example.upstash.io', token: ' ' }],
    ['a zero timeout', { url: 'https://example.upstash.io', token: TOKEN, commandTimeoutMs: 0 }],
    ['a fractional timeout', { url: 'https://example.upstash.io', token: TOKEN, commandTimeoutMs: 1.5 }],
    ['a handler hook that is not a function', { url: 'https://example.upstash.io', token: TOKEN, onHandlerError: 'log' }],
    ['a client that is not a Redis', { client: {} }],
  ])('refuses %s with ValidationError, never showing the token', (_, options) => {
    let error: unknown
    try {
      upstashDriver(options as never)
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect(logged(error as Error)).not.toContain(TOKEN)
  })

  it('refuses a client and credentials together', () => {
    const client = new Redis({ url: server.url, token: TOKEN, automaticDeserialization: false, enableTelemetry: false })
    expect(() => upstashDriver({ client, url: server.url, token: TOKEN } as never)).toThrow(ValidationError)
  })

  it('refuses a client with automatic deserialization on, saying how to fix it', () => {
    const client = new Redis({ url: server.url, token: TOKEN, enableTelemetry: false })
    expect(() => upstashDriver({ client })).toThrow(/automaticDeserialization: false/)
  })
})

describe('a client passed in', () => {
  // No retries: a retry of the request a hang held would arrive during the next test.
  const userClient = () =>
    new Redis({ url: server.url, token: TOKEN, automaticDeserialization: false, enableTelemetry: false, retry: { retries: 0 } })

  it('stores strings as strings and is still usable after the driver closes', async () => {
    const client = userClient()
    // A fresh client's first request opens its HTTP connection: 500 ms is too little for that on a loaded 2-core machine.
    const own = upstashDriver({ client, commandTimeoutMs: 5000 })
    const k = key('user')
    await own.set(k, '123')
    expect(await own.get(k)).toBe('123')
    await own.close()
    await expect(own.get(k)).rejects.toBeInstanceOf(DriverClosedError)
    expect(await client.get(k)).toBe('123')
  })

  it('still times out calls, though the driver cannot abort the client requests', async () => {
    const own = upstashDriver({ client: userClient(), commandTimeoutMs: TIMEOUT_MS })
    await server.hang()
    const started = Date.now()
    expect(await failure(own.get(key('hung')))).toBeInstanceOf(DriverTimeoutError)
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + SLACK_MS)
    await own.close()
  })
})

describe('round trips', () => {
  it('sends concurrent reads as one HTTP request', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => key(`read-${i}`))
    const before = server.requests.length
    const values = await Promise.all(keys.map((k) => driver.get(k)))
    expect(values).toEqual(keys.map(() => null))
    expect(server.requests.slice(before)).toEqual([{ path: '/pipeline', commands: keys.map(() => 'get'), syncToken: expect.any(String) }])
  })

  it('sends reads and writes of one tick as at most two requests', async () => {
    const k = key('mixed')
    const before = server.requests.length
    await Promise.all([driver.set(k, 'v'), driver.incrBy(key('n'), 1), driver.get(key('other')), driver.exists([k])])
    expect(server.requests.length - before).toBeLessThanOrEqual(2)
  })
})

describe('timeouts', () => {
  it('rejects with DriverTimeoutError once the timeout passes, and aborts the hung request', async () => {
    await server.hang()
    const started = Date.now()
    const error = await failure(driver.set(key('hung'), 'v'))
    const elapsed = Date.now() - started
    expect(error).toBeInstanceOf(DriverTimeoutError)
    expect((error as DriverTimeoutError).timeoutMs).toBe(TIMEOUT_MS)
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5)
    expect(elapsed).toBeLessThan(TIMEOUT_MS + SLACK_MS)
    // The request's connection is released, not left open until the server answers.
    await waitFor(() => server.heldRequests === 0, 'the hung request to be aborted', 2_000)
  })

  it('times out a subscription the server never confirms', async () => {
    await server.hang()
    expect(await failure(driver.subscribe(key('chan'), () => undefined))).toBeInstanceOf(DriverTimeoutError)
  })
})

describe('errors', () => {
  it('reports a refused command as CommandError with the reply word, without quoting the command', async () => {
    const k = key('string')
    await driver.set(k, 'private value')
    const error = await failure(driver.hget(k, 'f'))
    expect(error).toBeInstanceOf(CommandError)
    expect((error as CommandError).reply).toBe('WRONGTYPE')
    expect(error.message).toBe('WRONGTYPE Operation against a key holding the wrong kind of value')
    expect(logged(error)).not.toContain('private value')
  })

  it('reports a wrong token as DriverError, never showing it', async () => {
    const wrongToken = 'wrong-token-55d1e2'
    const denied = upstashDriver({ url: server.url, token: wrongToken, commandTimeoutMs: TIMEOUT_MS })
    const errors = [await failure(denied.get(key('k'))), await failure(denied.subscribe(key('c'), () => undefined))]
    for (const error of errors) {
      expect(error).toBeInstanceOf(DriverError)
      expect(error).not.toBeInstanceOf(CommandError)
      expect(error.message).toMatch(/Unauthorized/)
      expect(logged(error)).not.toContain(wrongToken)
    }
    await denied.close()
  })

  it('reports a failing gateway as DriverError, not CommandError', async () => {
    await server.fail(503)
    const error = await failure(driver.get(key('k')))
    expect(error).toBeInstanceOf(DriverError)
    expect(error).not.toBeInstanceOf(CommandError)
    expect(error).not.toBeInstanceOf(DriverTimeoutError)
  })

  it('reports a dead server at once (no retries), never showing the token', async () => {
    await server.cut()
    const started = Date.now()
    const errors = [await failure(driver.get(key('k'))), await failure(driver.subscribe(key('c'), () => undefined))]
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS)
    for (const error of errors) {
      expect(error).toBeInstanceOf(DriverError)
      expect(error).not.toBeInstanceOf(DriverTimeoutError)
      expect(logged(error)).not.toContain(TOKEN)
    }
  })
})

describe('hashes', () => {
  it('reads a field named __proto__ back as a field, not a prototype', async () => {
    const k = key('proto')
    await driver.hset(
      k,
      Object.fromEntries([
        ['__proto__', 'x'],
        ['a', 'b'],
      ]),
    )
    const fields = await driver.hgetall(k)
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype)
    expect(Object.entries(fields).sort()).toEqual([
      ['__proto__', 'x'],
      ['a', 'b'],
    ])
  })
})

describe('scripts', () => {
  it('runs EVAL after SCRIPT FLUSH on the server, then EVALSHA again', async () => {
    const k = key('n')
    expect(await driver.eval(incrWithTtl, [k], ['1', '60000'])).toBe(1)
    await admin.call('script', 'flush')
    const before = server.requests.length
    expect(await driver.eval(incrWithTtl, [k], ['1', '60000'])).toBe(2)
    expect(await driver.eval(incrWithTtl, [k], ['1', '60000'])).toBe(3)
    expect(server.requests.slice(before).map((request) => request.commands)).toEqual([['evalsha'], ['eval'], ['evalsha']])
  })
})

describe('subscriptions', () => {
  it.each([
    ['commas', 'a,b,c'],
    ['URL syntax', 'a/b?c=d#e %41 ü'],
  ])('delivers intact on a channel with %s, messages with commas included', async (_, name) => {
    const channel = key(name)
    const received: Array<[string, string]> = []
    const unsubscribe = await driver.subscribe(channel, (message, from) => received.push([message, from]))
    await driver.publish(channel, 'x,y,,z')
    await waitFor(() => received.length === 1, 'the message')
    expect(received).toEqual([['x,y,,z', channel]])
    await unsubscribe()
  })

  it('cannot deliver a line break intact: the client splits SSE data at line breaks (a documented limit)', async () => {
    const channel = key('lines')
    const received: string[] = []
    const unsubscribe = await driver.subscribe(channel, (message) => received.push(message))
    await driver.publish(channel, 'first\nsecond')
    await driver.publish(channel, 'marker')
    await waitFor(() => received.includes('marker'), 'the marker')
    expect(received).toEqual(['first', 'marker'])
    await unsubscribe()
  })

  it('keeps delivering after a handler throws, and reports the error', async () => {
    const reported: Array<[unknown, string]> = []
    const own = upstashDriver({ url: server.url, token: TOKEN, onHandlerError: (error, channel) => reported.push([error, channel]) })
    const channel = key('throws')
    const received: string[] = []
    const failure = new Error('handler failure')
    await own.subscribe(channel, (message) => {
      received.push(message)
      if (message === 'one') throw failure
    })
    await own.publish(channel, 'one')
    await own.publish(channel, 'two')
    await waitFor(() => received.length === 2, 'both messages')
    expect(received).toEqual(['one', 'two'])
    expect(reported).toEqual([[failure, channel]])
    await own.close()
  })

  it('ends its subscriptions on close', async () => {
    const own = upstashDriver({ url: server.url, token: TOKEN })
    const channel = key('closing')
    const received: string[] = []
    await own.subscribe(channel, (message) => received.push(message))
    expect(await driver.publish(channel, 'before')).toBe(1)
    await waitFor(() => received.length === 1, 'the first message')
    await own.close()
    await waitFor(async () => (await driver.publish(channel, 'after')) === 0, 'the server to drop the stream')
    expect(received).toEqual(['before'])
  })
})

describe('health', () => {
  it('answers ping with the round trip in milliseconds and INFO with the server text', async () => {
    const rtt = await driver.ping()
    expect(rtt).toBeGreaterThan(0)
    expect(rtt).toBeLessThan(TIMEOUT_MS)
    expect(await driver.info('server')).toMatch(/^redis_version:\d+\.\d+/m)
    await expect(driver.info('' as never)).rejects.toBeInstanceOf(ValidationError)
  })
})

describe('edge runtimes', () => {
  it('imports no node: module', async () => {
    const directory = new URL('../../../src/drivers/upstash/', import.meta.url)
    const files = (await readdir(directory)).filter((name) => name.endsWith('.ts'))
    expect(files.length).toBeGreaterThan(3)
    for (const name of files) {
      const source = await readFile(new URL(name, directory), 'utf8')
      expect(source, name).not.toMatch(/from ['"]node:|require\(['"]node:|import\(['"]node:/)
    }
  })
})
