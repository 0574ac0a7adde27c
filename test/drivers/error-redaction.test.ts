/**
 * Command arguments never reach a log through an error: a failing SET, HSET or EVAL
 * carrying a secret (a cached value, a session record, a script argument) on real Redis,
 * the Cluster and the Upstash stand-in, and a kit's `degraded` event and session create
 * on a Redis that refuses writes (maxmemory 1, noeviction). ioredis attaches
 * `command: { name, args }` to its errors and Redis quotes the arguments of commands it
 * does not know; neither may survive in the message, the stack, `cause`,
 * `util.inspect(error, { depth: 10 })` or `JSON.stringify(error)`.
 */
import { createHash } from 'node:crypto'
import { inspect } from 'node:util'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { CommandError, DriverError } from '../../src/core/errors/index.js'
import { defineScript } from '../../src/core/script.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { toDriverError } from '../../src/drivers/ioredis/errors.js'
import { createCachekit } from '../../src/kit.js'
import { startRedisProcess, type RedisProcess } from '../support/redis-process.js'
import { targets, uniquePrefix } from '../support/targets.js'

const SECRET = 'tok-3f9a-very-secret-session-payload'

/** Every way a logger could print the error. */
function expectNoSecret(error: unknown): void {
  expect(error).toBeInstanceOf(DriverError)
  const printed = [inspect(error, { depth: 10 }), JSON.stringify(error), (error as Error).message, (error as Error).stack ?? '']
  for (let cause: unknown = (error as Error).cause; cause instanceof Error; cause = cause.cause)
    printed.push(inspect(cause, { depth: 10, showHidden: true }))
  for (const text of printed) expect(text).not.toContain(SECRET)
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

// HSET inside a script, so the failing call is an EVAL/EVALSHA whose arguments hold the secret.
const lua = "return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])"
const hsetScript = defineScript({
  name: 'test-hset',
  lua,
  sha1: createHash('sha1').update(lua).digest('hex'),
  numKeys: 1,
  run: (ctx, keys, args) => ctx.hset(keys[0] as string, { [args[0] as string]: args[1] as string }),
})

describe.each(targets('redis', 'cluster', 'upstash'))('errors of failed commands on $name', ({ createDriver }) => {
  const driver = createDriver()
  const key = `${uniquePrefix('redact')}:string`
  beforeAll(async () => {
    await driver.set(key, 'a string, not a hash')
  })
  afterAll(() => driver.close())

  it('HSET on a string key: WRONGTYPE, with none of the record in the error', async () => {
    const error = await rejection(driver.hset(key, { session: SECRET }))
    expect(error).toBeInstanceOf(CommandError)
    expect((error as CommandError).reply).toBe('WRONGTYPE')
    expectNoSecret(error)
  })

  it('EVAL with secret arguments that fails inside the script', async () => {
    const error = await rejection(driver.eval(hsetScript, [key], ['field', SECRET]))
    expect(error).toBeInstanceOf(CommandError)
    expectNoSecret(error)
  })
})

describe('ioredis errors', () => {
  it("keep the failed command's name and argument count as cause, never its arguments", async () => {
    const driver = ioredisDriver({ url: inject('redisUrl') })
    const key = `${uniquePrefix('redact')}:string`
    await driver.set(key, 'x')
    const error = await rejection(driver.hset(key, { a: SECRET, b: SECRET }))
    await driver.close()
    expectNoSecret(error)
    expect((error as Error).cause).toMatchObject({ name: 'ReplyError', command: { name: 'hset', argCount: 5 } })
  })

  it("drop what Redis quotes of an unknown command's arguments", async () => {
    const raw = new Redis(inject('redisUrl'))
    const reply = await rejection(raw.call('cachekit-no-such-command', SECRET))
    raw.disconnect()
    expect(String((reply as Error).message)).toContain(SECRET)
    const error = toDriverError(reply, 'call', (text) => text)
    expect(error).toBeInstanceOf(CommandError)
    expect(error.message).toContain('with args beginning with: [redacted]')
    expectNoSecret(error)
  })
})

describe('a kit on a Redis that refuses writes (maxmemory 1, noeviction)', () => {
  let server: RedisProcess
  beforeAll(async () => {
    server = await startRedisProcess()
    const admin = new Redis(server.url)
    await admin.config('SET', 'maxmemory-policy', 'noeviction')
    await admin.config('SET', 'maxmemory', '1')
    admin.disconnect()
  })
  afterAll(() => server?.stop())

  it("reports a failed cache write as 'degraded' without the cached value", async () => {
    const kit = createCachekit({ driver: ioredisDriver({ url: server.url }), prefix: 'app' })
    const degraded: unknown[] = []
    kit.events.on('degraded', (event) => degraded.push(event))
    await kit.cache.set('profile:1', { token: SECRET }, { ttl: '1m' })
    await kit.close()
    expect(degraded).toHaveLength(1)
    const event = degraded[0] as { error: unknown }
    expect((event.error as CommandError).reply).toBe('OOM')
    expectNoSecret(event.error)
    expect(inspect(event, { depth: 10 })).not.toContain(SECRET)
  })
})

describe('a kit on real Redis', () => {
  it('rejects a session create without the session record in the error', async () => {
    const kit = createCachekit({ driver: ioredisDriver({ url: inject('redisUrl') }), prefix: uniquePrefix('redact') })
    try {
      await kit.sessions.create('ada', { apiToken: 'first' })
      // The user's records hash, turned into a string: the next create's script fails on it.
      const [dataKey] = await collect(kit.driver.scan(`${kit.namespace.prefix}__sess:*:data`))
      await kit.driver.set(dataKey as string, 'not a hash')
      const error = await rejection(kit.sessions.create('ada', { apiToken: SECRET }))
      expect((error as CommandError).reply).toBe('WRONGTYPE')
      expectNoSecret(error)
    } finally {
      await kit.close()
    }
  })
})

async function collect(pages: AsyncIterable<string[]>): Promise<string[]> {
  const keys: string[] = []
  for await (const page of pages) keys.push(...page)
  return keys
}
