/**
 * The conformance suite over your own driver, as docs/drivers.md shows it: a vitest test
 * file in your project. tsc compiles this one (`npm run typecheck`); cachekit's own drivers
 * run the same suite in test/drivers/.
 */
import { runDriverConformance } from 'cachekit/testing'
import { myDriver } from './my-driver.js'

runDriverConformance({
  name: 'my driver',
  createDriver: () => myDriver({ url: process.env.MY_URL }),
  capabilities: { cluster: false, pubsub: true, scripting: 'lua' },
  // optional: make the server forget its scripts (SCRIPT FLUSH), to prove EVALSHA falls back to EVAL
  flushScripts: async () => { /* ... */ },
  // optional: network fault controls (hang, cut, restore) for the outage tests
})
