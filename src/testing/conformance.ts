import { afterAll, beforeAll, beforeEach, describe } from 'vitest'
import { createSuiteContext } from './context.js'
import type { DriverConformanceOptions } from './options.js'
import { collectionsSuite } from './suites/collections.js'
import { faultsSuite } from './suites/faults.js'
import { lifecycleSuite } from './suites/lifecycle.js'
import { pubsubSuite } from './suites/pubsub.js'
import { scanSuite } from './suites/scan.js'
import { scriptsSuite } from './suites/scripts.js'
import { stringsSuite } from './suites/strings.js'

/**
 * Registers the driver conformance suite (vitest) for one driver: every contract
 * method, TTL edge cases, binary and unicode values, NX/XX races, glob-exact scan,
 * scripts (reply conversion, atomicity, NOSCRIPT recovery, cross-slot refusal),
 * pub/sub, bad input, close, and — with `faults` — hung and dead servers.
 *
 * Call it at the top level of a test file. Keys are namespaced per test
 * (`ck:conf:{<random>}:...`), so the suite can share a server with other tests.
 *
 * @example
 * import { runDriverConformance } from 'cachekit/testing'
 * runDriverConformance({
 *   name: 'my driver',
 *   createDriver: () => myDriver({ url }),
 *   capabilities: { cluster: false, pubsub: true, scripting: 'lua' },
 * })
 */
export function runDriverConformance(options: DriverConformanceOptions): void {
  describe(`driver conformance: ${options.name}`, () => {
    const ctx = createSuiteContext(options)

    beforeAll(async () => {
      ctx.setDriver(await options.createDriver())
    })
    beforeEach(() => {
      ctx.renew()
    })
    afterAll(async () => {
      await ctx.driver().close()
      ctx.setDriver(undefined)
    })

    lifecycleSuite(ctx)
    stringsSuite(ctx)
    collectionsSuite(ctx)
    scriptsSuite(ctx)
    scanSuite(ctx)
    pubsubSuite(ctx)
    if (options.faults) faultsSuite(ctx, options.faults)
  })
}
