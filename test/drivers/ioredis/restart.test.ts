import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DriverError } from '../../../src/core/errors/index.js'
import type { Driver } from '../../../src/drivers/driver.js'
import { ioredisDriver } from '../../../src/drivers/ioredis/index.js'
import { incrWithTtl } from '../../../src/scripts/index.js'
import { startRedisProcess, waitUntil, type RedisProcess } from '../../support/redis-process.js'

// A server of this file's own, killed and started again on the same port: it comes back
// empty, without the scripts the driver loaded and without its subscriptions.
let server: RedisProcess
let driver: Driver
let admin: Redis

beforeAll(async () => {
  server = await startRedisProcess()
  driver = ioredisDriver({ url: server.url, commandTimeoutMs: 1_000, onHandlerError: () => undefined })
  admin = new Redis(server.url, { protocol: 2, maxRetriesPerRequest: 1 })
  admin.on('error', () => undefined)
})

afterAll(async () => {
  await driver.close()
  admin.disconnect()
  await server.stop()
})

const scriptLoaded = async () => ((await admin.call('script', 'exists', incrWithTtl.sha1)) as number[])[0] === 1

describe('ioredis driver across a Redis restart', () => {
  it('reconnects by itself, runs scripts the new server never saw, and resubscribes', async () => {
    expect(await driver.eval(incrWithTtl, ['restart:n'], ['1', '60000'])).toBe(1)
    const received: string[] = []
    await driver.subscribe('restart:chan', (message) => received.push(message))

    await server.stop()
    const whileDown = await driver.get('restart:n').then(() => undefined, (reason: unknown) => reason)
    expect(whileDown).toBeInstanceOf(DriverError)
    await server.start()

    await waitUntil(() => driver.ping().then(() => true, () => false), 'the driver to reconnect', 10_000)
    await waitUntil(() => admin.ping().then(() => true, () => false), 'the admin client to reconnect', 10_000)
    expect(await scriptLoaded()).toBe(false)
    // EVALSHA gets NOSCRIPT; the driver falls back to EVAL, which loads the script again.
    expect(await driver.eval(incrWithTtl, ['restart:n'], ['1', '60000'])).toBe(1)
    expect(await scriptLoaded()).toBe(true)

    await waitUntil(async () => {
      await driver.publish('restart:chan', 'back')
      return received.length > 0
    }, 'the subscription to come back', 10_000)
    expect(received[0]).toBe('back')
  })

  it('runs scripts after SCRIPT FLUSH, concurrent callers included', async () => {
    await driver.eval(incrWithTtl, ['flush:n'], ['1', '60000'])
    await admin.call('script', 'flush')
    expect(await scriptLoaded()).toBe(false)
    const results = await Promise.all(Array.from({ length: 10 }, () => driver.eval(incrWithTtl, ['flush:n'], ['1', '60000'])))
    expect(results.sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    expect(await scriptLoaded()).toBe(true)
  })
})
