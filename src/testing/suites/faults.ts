import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DriverError, DriverTimeoutError } from '../../core/errors/index.js'
import type { Driver } from '../../drivers/driver.js'
import { incrWithTtl } from '../../scripts/index.js'
import { waitFor, type SuiteContext } from '../context.js'
import type { FaultInjection } from '../options.js'

/** Outage behaviour: a hung or dead server costs a call at most its timeout, and the driver recovers. */
export function faultsSuite(ctx: SuiteContext, faults: FaultInjection): void {
  describe('outages', () => {
    let driver: Driver
    const slackMs = 1_500

    beforeAll(async () => {
      driver = await faults.createDriver()
      await driver.set(ctx.key('warm', true), 'v')
    })
    afterEach(async () => {
      await faults.restore()
    })
    afterAll(async () => {
      await faults.restore()
      await driver.close()
    })

    it('rejects with DriverTimeoutError within the timeout while the server hangs', async () => {
      await faults.hang()
      const started = Date.now()
      const results = await Promise.allSettled([
        driver.get(ctx.key('a')),
        driver.set(ctx.key('b'), 'v'),
        driver.eval(incrWithTtl, [ctx.key('n')], ['1', '1000']),
      ])
      const elapsed = Date.now() - started
      for (const result of results) {
        expect(result.status).toBe('rejected')
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(DriverTimeoutError)
      }
      expect(elapsed).toBeLessThan(faults.timeoutMs + slackMs)
    })

    it('rejects with a DriverError, within the timeout, while the server is down', async () => {
      await faults.cut()
      const started = Date.now()
      const error = await driver.get(ctx.key('a')).then(
        () => undefined,
        (reason: unknown) => reason,
      )
      expect(error).toBeInstanceOf(DriverError)
      expect(Date.now() - started).toBeLessThan(faults.timeoutMs + slackMs)
    })

    it('works again, scripts included, once the server is back', async () => {
      await faults.cut()
      await driver.get(ctx.key('a')).catch(() => undefined)
      await faults.restore()
      await waitFor(
        async () => {
          try {
            return (await driver.set(ctx.key('back', true), 'yes')) === true
          } catch {
            return false
          }
        },
        'the driver to reconnect',
        15_000,
      )
      expect(await driver.get(ctx.key('back', true))).toBe('yes')
      expect(await driver.eval(incrWithTtl, [ctx.key('n', true)], ['1', '60000'])).toBe(1)
    })
  })
}
