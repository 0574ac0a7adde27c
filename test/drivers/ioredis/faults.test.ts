import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DriverError, DriverTimeoutError } from '../../../src/core/errors/index.js'
import type { Driver } from '../../../src/drivers/driver.js'
import { ioredisDriver } from '../../../src/drivers/ioredis/index.js'
import { incrWithTtl } from '../../../src/scripts/index.js'
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js'
import { waitUntil } from '../../support/redis-process.js'
import { startRedisServer, type RedisServerHandle } from '../../support/redis-server.js'

// A server of this file's own behind a TCP proxy that hangs, cuts or slows the wire. The
// server requires a password, so messages can be checked for leaks.
const TIMEOUT_MS = 250
const PASSWORD = 'pa55-do-not-print'
let server: RedisServerHandle
let proxy: FaultProxy
let driver: Driver
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  server = await startRedisServer()
  const admin = new Redis(server.url, { protocol: 2 })
  await admin.call('config', 'set', 'requirepass', PASSWORD)
  admin.disconnect()
  proxy = await startFaultProxy(server)
  driver = ioredisDriver({ url: `redis://:${PASSWORD}@${proxy.host}:${proxy.port}`, commandTimeoutMs: TIMEOUT_MS })
  await driver.ping()
})

afterEach(async () => {
  proxy.delay(0)
  await proxy.restore()
  await waitUntil(() => driver.ping().then(() => true, () => false), 'the driver to reconnect', 10_000)
})

afterAll(async () => {
  await driver.close()
  await proxy.close()
  await server.stop()
  // Late replies and rejections of abandoned calls must all have been handled.
  await new Promise((resolve) => setTimeout(resolve, 50))
  process.off('unhandledRejection', onUnhandled)
  expect(unhandled).toEqual([])
})

const outcome = (promise: Promise<unknown>) => promise.then(() => undefined, (reason: unknown) => reason)

describe('ioredis driver through network faults', () => {
  it('bounds every call by commandTimeoutMs while the server hangs, however many are waiting', async () => {
    await proxy.hang()
    const started = Date.now()
    const errors = await Promise.all([
      outcome(driver.get('a')),
      outcome(driver.mget(['a', 'b'])),
      outcome(driver.set('a', 'v')),
      outcome(driver.eval(incrWithTtl, ['n'], ['1', '1000'])),
      outcome((async () => {
        for await (const batch of driver.scan('*')) return batch
      })()),
      ...Array.from({ length: 200 }, () => outcome(driver.incrBy('n', 1))),
    ])
    const elapsed = Date.now() - started
    for (const error of errors) expect(error).toBeInstanceOf(DriverTimeoutError)
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5)
    // A backlog would cost multiples of the timeout; slack covers a loaded machine.
    expect(elapsed).toBeLessThan(TIMEOUT_MS * 2)
  })

  it('costs each call its own timeout, not the backlog of earlier ones, while the hang lasts', async () => {
    await proxy.hang()
    for (let i = 0; i < 3; i++) {
      const started = Date.now()
      expect(await outcome(driver.get('a'))).toBeInstanceOf(DriverTimeoutError)
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 2)
    }
  })

  it('answers every call made during a hang in order once the server is back', async () => {
    await driver.set('order', '0')
    await proxy.hang()
    await outcome(driver.incrBy('order', 1))
    await proxy.restore()
    expect(await driver.incrBy('order', 1)).toBe(2)
  })

  it('fails fast with a DriverError (not a timeout) once the connection is cut, without printing the password', async () => {
    await proxy.cut()
    const inFlight = outcome(driver.get('a'))
    await waitUntil(() => outcome(driver.get('a')).then((error) => !(error instanceof DriverTimeoutError)), 'the driver to notice the cut', 2_000)
    const started = Date.now()
    const error = await outcome(driver.get('a'))
    expect(Date.now() - started).toBeLessThan(100)
    expect(error).toBeInstanceOf(DriverError)
    expect(error).not.toBeInstanceOf(DriverTimeoutError)
    expect((error as Error).message).not.toContain(PASSWORD)
    expect(await inFlight).toBeInstanceOf(DriverError)
  })

  it('works again, scripts and subscriptions included, after the server comes back', async () => {
    const received: string[] = []
    await driver.subscribe('faults:chan', (message) => received.push(message))
    await proxy.cut()
    await waitUntil(() => outcome(driver.get('a')).then((error) => error instanceof DriverError), 'the cut to be noticed', 2_000)
    await proxy.restore()
    await waitUntil(() => driver.set('back', 'yes').then(() => true, () => false), 'the driver to reconnect', 10_000)
    expect(await driver.get('back')).toBe('yes')
    expect(await driver.eval(incrWithTtl, ['back:n'], ['1', '60000'])).toBe(1)
    // The subscriber connection reconnects on its own schedule: publish until it hears.
    await waitUntil(async () => {
      await driver.publish('faults:chan', 'again')
      return received.length > 0
    }, 'the subscription to come back', 10_000)
    expect(received[0]).toBe('again')
  })

  it('keeps answering under a slow network, and times out when it is slower than the timeout', async () => {
    proxy.delay(40)
    expect(await driver.set('slow', 'v')).toBe(true)
    expect(await driver.get('slow')).toBe('v')
    proxy.delay(TIMEOUT_MS)
    expect(await outcome(driver.get('slow'))).toBeInstanceOf(DriverTimeoutError)
  })

  it('closes within the timeout while the server hangs, and rejects the calls it abandons', async () => {
    const own = ioredisDriver({ url: `redis://:${PASSWORD}@${proxy.host}:${proxy.port}`, commandTimeoutMs: TIMEOUT_MS })
    await own.subscribe('faults:close', () => undefined)
    await proxy.hang()
    const pending = outcome(own.get('a'))
    const started = Date.now()
    await own.close()
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 2)
    expect(await pending).toBeInstanceOf(DriverError)
  })

  it('refuses to connect with a wrong password without printing it', async () => {
    const wrong = 'wr0ng-pa55-do-not-print'
    const own = ioredisDriver({ url: `redis://:${wrong}@${proxy.host}:${proxy.port}`, commandTimeoutMs: TIMEOUT_MS })
    const error = await outcome(own.get('a'))
    await own.close()
    expect(error).toBeInstanceOf(DriverError)
    expect((error as Error).message).not.toContain(wrong)
    // ioredis attaches the failed command (here HELLO or AUTH, password included) to its errors.
    const cause = (error as { cause?: { command?: unknown } }).cause
    expect(JSON.stringify(cause?.command ?? null)).not.toContain(wrong)
  })
})
