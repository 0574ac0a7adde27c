import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { DriverError, DriverTimeoutError } from '../../../src/core/errors/index.js'
import type { Driver } from '../../../src/drivers/driver.js'
import { ioredisDriver } from '../../../src/drivers/ioredis/index.js'
import { incrWithTtl } from '../../../src/scripts/index.js'
import { useOutage } from '../../support/outage.js'
import { patience } from '../../support/wait.js'

// A server of this file's own behind a TCP proxy that hangs, cuts or slows the wire. The
// server requires a password, so messages can be checked for leaks.
const TIMEOUT_MS = 250
const PASSWORD = 'pa55-do-not-print'
const outage = useOutage({ password: PASSWORD, driver: { commandTimeoutMs: TIMEOUT_MS } })
let driver: Driver
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  driver = outage.driver()
  await driver.ping()
})

afterEach(async () => {
  await outage.restore()
  // The driver reconnects.
  await vi.waitFor(() => driver.ping(), patience)
})

afterAll(async () => {
  await driver.close()
  // Late replies and rejections of abandoned calls must all have been handled.
  await new Promise((resolve) => setTimeout(resolve, 50))
  process.off('unhandledRejection', onUnhandled)
  expect(unhandled).toEqual([])
})

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )

describe('ioredis driver through network faults', () => {
  it('bounds every call by commandTimeoutMs while the server hangs, however many are waiting', async () => {
    await outage.hang()
    const started = Date.now()
    const errors = await Promise.all([
      outcome(driver.get('a')),
      outcome(driver.mget(['a', 'b'])),
      outcome(driver.set('a', 'v')),
      outcome(driver.eval(incrWithTtl, ['n'], ['1', '1000'])),
      outcome(
        (async () => {
          for await (const batch of driver.scan('*')) return batch
        })(),
      ),
      ...Array.from({ length: 200 }, () => outcome(driver.incrBy('n', 1))),
    ])
    const elapsed = Date.now() - started
    for (const error of errors) expect(error).toBeInstanceOf(DriverTimeoutError)
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5)
    // A backlog would cost multiples of the timeout; slack covers a loaded machine.
    expect(elapsed).toBeLessThan(TIMEOUT_MS * 2)
  })

  it('costs each call its own timeout, not the backlog of earlier ones, while the hang lasts', async () => {
    await outage.hang()
    for (let i = 0; i < 3; i++) {
      const started = Date.now()
      expect(await outcome(driver.get('a'))).toBeInstanceOf(DriverTimeoutError)
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 2)
    }
  })

  it('answers every call made during a hang in order once the server is back', async () => {
    await driver.set('order', '0')
    await outage.hang()
    await outcome(driver.incrBy('order', 1))
    await outage.restore()
    expect(await driver.incrBy('order', 1)).toBe(2)
  })

  it('fails fast with a DriverError (not a timeout) once the connection is cut, without printing the password', async () => {
    await outage.cut()
    const inFlight = outcome(driver.get('a'))
    // The driver notices the cut.
    await vi.waitFor(async () => expect(await outcome(driver.get('a'))).not.toBeInstanceOf(DriverTimeoutError), {
      timeout: 2_000,
      interval: 20,
    })
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
    await outage.cut()
    await vi.waitFor(async () => expect(await outcome(driver.get('a'))).toBeInstanceOf(DriverError), { timeout: 2_000, interval: 20 })
    await outage.restore()
    // The driver reconnects.
    await vi.waitFor(() => driver.set('back', 'yes'), patience)
    expect(await driver.get('back')).toBe('yes')
    expect(await driver.eval(incrWithTtl, ['back:n'], ['1', '60000'])).toBe(1)
    // The subscriber connection reconnects on its own schedule: publish until it hears.
    await vi.waitFor(async () => {
      await driver.publish('faults:chan', 'again')
      expect(received.length).toBeGreaterThan(0)
    }, patience)
    expect(received[0]).toBe('again')
  })

  it('keeps answering under a slow network, and times out when it is slower than the timeout', async () => {
    outage.delay(40)
    expect(await driver.set('slow', 'v')).toBe(true)
    expect(await driver.get('slow')).toBe('v')
    outage.delay(TIMEOUT_MS)
    expect(await outcome(driver.get('slow'))).toBeInstanceOf(DriverTimeoutError)
  })

  it('closes within the timeout while the server hangs, and rejects the calls it abandons', async () => {
    const own = ioredisDriver({ url: outage.url, commandTimeoutMs: TIMEOUT_MS })
    await own.subscribe('faults:close', () => undefined)
    await outage.hang()
    const pending = outcome(own.get('a'))
    const started = Date.now()
    await own.close()
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 2)
    expect(await pending).toBeInstanceOf(DriverError)
  })

  it('refuses to connect with a wrong password without printing it', async () => {
    const wrong = 'wr0ng-pa55-do-not-print'
    const own = ioredisDriver({ url: `redis://:${wrong}@${outage.proxy.host}:${outage.proxy.port}`, commandTimeoutMs: TIMEOUT_MS })
    const error = await outcome(own.get('a'))
    await own.close()
    expect(error).toBeInstanceOf(DriverError)
    expect((error as Error).message).not.toContain(wrong)
    // ioredis attaches the failed command (here HELLO or AUTH, password included) to its errors.
    const cause = (error as { cause?: { command?: unknown } }).cause
    expect(JSON.stringify(cause?.command ?? null)).not.toContain(wrong)
  })
})
