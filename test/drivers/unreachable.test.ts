/**
 * A server that was never there: every remote driver answers with a typed DriverError
 * within its timeout, never a hang, a crash or an unhandled rejection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DriverError } from '../../src/core/errors/index.js'
import type { Driver } from '../../src/drivers/driver.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { upstashDriver } from '../../src/drivers/upstash/index.js'
import { createCachekit } from '../../src/kit.js'
import { freePort } from '../support/redis-process.js'

const TIMEOUT_MS = 300
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
let port: number

beforeAll(async () => {
  // A port that was free a moment ago: nothing listens there.
  port = await freePort()
  process.on('unhandledRejection', onUnhandled)
})
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
})

const drivers: Array<[string, () => Driver]> = [
  ['ioredis', () => ioredisDriver({ url: `redis://:secret-password@127.0.0.1:${port}`, commandTimeoutMs: TIMEOUT_MS })],
  ['ioredis cluster', () => ioredisDriver({ cluster: [{ host: '127.0.0.1', port }], commandTimeoutMs: TIMEOUT_MS })],
  ['upstash', () => upstashDriver({ url: `http://127.0.0.1:${port}`, token: 'secret-token', commandTimeoutMs: TIMEOUT_MS })],
]

describe.each(drivers)('%s pointed at a server that is not there', (_, create) => {
  it('rejects every call with a DriverError within its timeout, leaking no secret', async () => {
    const driver = create()
    const started = Date.now()
    const results = await Promise.allSettled([driver.get('k'), driver.set('k', 'v'), driver.ping(), driver.publish('c', 'm')])
    for (const result of results) {
      expect(result.status).toBe('rejected')
      const reason = (result as PromiseRejectedResult).reason as Error
      expect(reason).toBeInstanceOf(DriverError)
      expect(`${reason.message} ${reason.stack}`).not.toMatch(/secret/)
    }
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 3 + 1_000)
    await driver.close()
    expect(unhandled).toEqual([])
  })

  it('lets the cache answer from the loader instead', async () => {
    const kit = createCachekit({ driver: create(), prefix: 'unreachable' })
    expect(await kit.cache.getOrSet('k', async () => 'from loader', { ttl: '1m' })).toBe('from loader')
    await kit.close()
    expect(unhandled).toEqual([])
  })
})
