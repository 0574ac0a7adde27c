import { Redis } from 'ioredis'
import { afterAll } from 'vitest'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { runDriverConformance } from '../../src/testing/index.js'
import { startFaultProxy } from '../support/fault-proxy.js'
import { startRedisServer } from '../support/redis-server.js'

// A server of this file's own: SCRIPT FLUSH and the fault proxy must not disturb the
// shared one. Faults go through a TCP proxy in front of it (test/support/fault-proxy.ts).
const FAULT_TIMEOUT_MS = 300
const server = await startRedisServer()
const proxy = await startFaultProxy(server)
const admin = new Redis(server.url, { protocol: 2 })

afterAll(async () => {
  admin.disconnect()
  await proxy.close()
  await server.stop()
})

runDriverConformance({
  name: 'ioredis',
  createDriver: () => ioredisDriver({ url: server.url, onHandlerError: () => undefined }),
  capabilities: { cluster: false, pubsub: true, scripting: 'lua' },
  flushScripts: async () => {
    await admin.call('script', 'flush')
  },
  faults: {
    createDriver: () => ioredisDriver({ url: proxy.url, commandTimeoutMs: FAULT_TIMEOUT_MS }),
    timeoutMs: FAULT_TIMEOUT_MS,
    hang: () => proxy.hang(),
    cut: () => proxy.cut(),
    restore: () => proxy.restore(),
  },
})
