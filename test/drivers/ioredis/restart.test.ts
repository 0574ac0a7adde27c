import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DriverError } from '../../../src/core/errors/index.js'
import type { Driver } from '../../../src/drivers/driver.js'
import { incrWithTtl } from '../../../src/scripts/index.js'
import { useOutage } from '../../support/outage.js'
import { patience } from '../../support/wait.js'

// A server of this file's own, killed and started again on the same port: it comes back
// empty, without the scripts the driver loaded and without its subscriptions.
const outage = useOutage({ driver: { commandTimeoutMs: 1_000, onHandlerError: () => undefined } })
let driver: Driver
let admin: Redis

beforeAll(() => {
  driver = outage.directDriver()
  admin = new Redis(outage.directUrl, { protocol: 2, maxRetriesPerRequest: 1 })
  admin.on('error', () => undefined)
})

afterAll(async () => {
  await driver.close()
  admin.disconnect()
})

const scriptLoaded = async () => ((await admin.call('script', 'exists', incrWithTtl.sha1)) as number[])[0] === 1

describe('ioredis driver across a Redis restart', () => {
  it('reconnects by itself, runs scripts the new server never saw, and resubscribes', async () => {
    expect(await driver.eval(incrWithTtl, ['restart:n'], ['1', '60000'])).toBe(1)
    const received: string[] = []
    await driver.subscribe('restart:chan', (message) => received.push(message))

    await outage.stopServer()
    const whileDown = await driver.get('restart:n').then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(whileDown).toBeInstanceOf(DriverError)
    await outage.startServer()

    // The driver and the admin client reconnect.
    await vi.waitFor(() => driver.ping(), patience)
    await vi.waitFor(() => admin.ping(), patience)
    expect(await scriptLoaded()).toBe(false)
    // EVALSHA gets NOSCRIPT; the driver falls back to EVAL, which loads the script again.
    expect(await driver.eval(incrWithTtl, ['restart:n'], ['1', '60000'])).toBe(1)
    expect(await scriptLoaded()).toBe(true)

    await vi.waitFor(async () => {
      await driver.publish('restart:chan', 'back')
      expect(received.length).toBeGreaterThan(0)
    }, patience)
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
