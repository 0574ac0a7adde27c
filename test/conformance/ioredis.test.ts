import { Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { runDriverConformance } from '../../src/testing/index.js'
import { useOutage } from '../support/outage.js'

// A server of this file's own: SCRIPT FLUSH and the fault proxy must not disturb the
// shared one. Faults go through a TCP proxy in front of it (test/support/outage.ts).
const FAULT_TIMEOUT_MS = 300
const outage = useOutage({ driver: { commandTimeoutMs: FAULT_TIMEOUT_MS } })
let admin: Redis

beforeAll(() => {
  admin = new Redis(outage.directUrl, { protocol: 2 })
})
afterAll(() => {
  admin.disconnect()
})

runDriverConformance({
  name: 'ioredis',
  createDriver: () => ioredisDriver({ url: outage.directUrl, onHandlerError: () => undefined }),
  capabilities: { cluster: false, pubsub: true, scripting: 'lua' },
  flushScripts: async () => {
    await admin.call('script', 'flush')
  },
  faults: {
    createDriver: () => outage.driver(),
    timeoutMs: FAULT_TIMEOUT_MS,
    hang: () => outage.hang(),
    cut: () => outage.cut(),
    restore: () => outage.restore(),
  },
})
