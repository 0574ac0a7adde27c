import { Redis, type RedisOptions } from 'ioredis'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { DriverClosedError, DriverError } from '../../../src/core/errors/index.js'
import { ioredisDriver } from '../../../src/drivers/ioredis/index.js'
import { echoScript, nilScript } from '../../../src/testing/scripts.js'
import { waitUntil } from '../../support/redis-process.js'
import { testPrefix } from '../../support/raw-redis.js'

const url = inject('redisUrl')
const clients: Redis[] = []
const userClient = (options: RedisOptions = {}) => {
  const client = new Redis(url, options)
  clients.push(client)
  return client
}

afterAll(() => {
  for (const client of clients) client.disconnect()
})

describe('ioredis driver with a client the user owns', () => {
  it('neither closes nor changes the client, and leaves no listeners on it', async () => {
    const client = userClient()
    await client.ping()
    const optionsBefore = { ...client.options }
    const listenersBefore = client.eventNames().map((name) => [name, client.listenerCount(name)])
    const driver = ioredisDriver({ client, onHandlerError: () => undefined })
    const key = `${testPrefix('owned')}k`
    const received: string[] = []
    await driver.subscribe(key, (message) => received.push(message))
    await driver.set(key, 'v')
    await driver.publish(key, 'm')
    await waitUntil(() => received.length === 1, 'the message')
    await driver.close()

    expect(client.status).toBe('ready')
    expect(await client.get(key)).toBe('v')
    expect(client.options).toEqual(optionsBefore)
    expect(client.eventNames().map((name) => [name, client.listenerCount(name)])).toEqual(listenersBefore)
    await expect(driver.get(key)).rejects.toBeInstanceOf(DriverClosedError)
    await client.del(key)
  })

  it('reports a client its owner closed as a DriverError, not a hang', async () => {
    const client = userClient()
    await client.ping()
    const driver = ioredisDriver({ client })
    await client.quit()
    await waitUntil(() => client.status === 'end', 'the client to end')
    const started = Date.now()
    await expect(driver.get('k')).rejects.toBeInstanceOf(DriverError)
    expect(Date.now() - started).toBeLessThan(100)
    await driver.close()
  })

  it("hands a throwing handler's error to onHandlerError and keeps delivering, even if that throws too", async () => {
    const reported: Array<[unknown, string]> = []
    const driver = ioredisDriver({
      client: userClient(),
      onHandlerError: (error, channel) => {
        reported.push([error, channel])
        throw new Error('the reporter fails as well (expected by this test)')
      },
    })
    const channel = `${testPrefix('throws')}c`
    const received: string[] = []
    const failure = new Error('handler failure (expected by this test)')
    await driver.subscribe(channel, () => {
      throw failure
    })
    await driver.subscribe(channel, (message) => received.push(message))
    await driver.publish(channel, 'one')
    await driver.publish(channel, 'two')
    await waitUntil(() => received.length === 2, 'both messages')
    expect(reported).toEqual([
      [failure, channel],
      [failure, channel],
    ])
    await driver.close()
  })

  // ioredis returns different shapes per protocol and reply mapping; the driver must not.
  describe.each<[string, RedisOptions]>([
    ['RESP2', { protocol: 2 }],
    ['RESP3 (legacy mapping)', { protocol: 3 }],
    ['RESP3 (resp3 mapping)', { protocol: 3, replyMapping: 'resp3' }],
  ])('over %s', (_, options) => {
    it('returns contract shapes for hashes, sets, sorted sets, scores, scripts and INFO', async () => {
      const client = userClient(options)
      const driver = ioredisDriver({ client })
      const prefix = testPrefix('shapes')
      const [hash, set, zset] = [`${prefix}h`, `${prefix}s`, `${prefix}z`]
      try {
        await driver.hset(hash, { a: '1', ['__proto__']: 'p', '': 'empty' })
        await driver.sadd(set, ['x', 'y'])
        await driver.zadd(zset, [
          { member: 'low', score: -1.5 },
          { member: 'zero', score: -0 },
          { member: 'big', score: 1e308 },
        ])

        expect(Object.entries(await driver.hgetall(hash)).sort()).toEqual([
          ['', 'empty'],
          ['__proto__', 'p'],
          ['a', '1'],
        ])
        expect((await driver.smembers(set)).sort()).toEqual(['x', 'y'])
        expect(await driver.sismember(set, 'x')).toBe(true)
        expect(await driver.zincrBy(zset, 'big', 1e308)).toBe(Number.POSITIVE_INFINITY)
        expect(Object.is(await driver.zscore(zset, 'zero'), 0)).toBe(true)
        expect(await driver.zrangeWithScores(zset, 0, -1)).toEqual([
          { member: 'low', score: -1.5 },
          { member: 'zero', score: 0 },
          { member: 'big', score: Number.POSITIVE_INFINITY },
        ])
        expect(await driver.zrangeByScore(zset, 0, Number.POSITIVE_INFINITY, { rev: true })).toEqual([
          { member: 'big', score: Number.POSITIVE_INFINITY },
          { member: 'zero', score: 0 },
        ])
        expect(await driver.zrank(zset, 'big', { rev: true })).toBe(0)
        expect(await driver.eval(nilScript, [], ['true'])).toBe(1)
        expect(await driver.eval(nilScript, [], ['false'])).toBeNull()
        expect(await driver.eval(echoScript, [hash], ['a'])).toEqual([1, hash, 'a', 3, [1, 'x', []]])
        const info = await driver.info('server')
        expect(typeof info).toBe('string')
        expect(info).toMatch(/^redis_version:7\./m)
      } finally {
        await driver.del([hash, set, zset])
        await driver.close()
      }
    })
  })
})
