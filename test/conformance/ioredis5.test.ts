/**
 * The ioredis driver over an ioredis 5 client (the peer range says `^5.4.0 || ^6.0.0`):
 * the whole conformance suite, on a user-owned client from the `ioredis5` npm alias
 * (ioredis@5.9.2), against a redis-server of this file's own, with faults through a TCP
 * proxy. The driver's own connections always use the installed ioredis 6; a user who
 * hands in a client may hold either major.
 */
import type { Redis } from 'ioredis'
import { Redis as Redis5 } from 'ioredis5'
import { afterAll } from 'vitest'
import type { Driver } from '../../src/drivers/driver.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { runDriverConformance } from '../../src/testing/index.js'
import { startFaultProxy } from '../support/fault-proxy.js'
import { startRedisServer } from '../support/redis-server.js'

const FAULT_TIMEOUT_MS = 300
const server = await startRedisServer()
const proxy = await startFaultProxy(server)
const admin = new Redis5(server.url)
const clients: Redis5[] = []

afterAll(async () => {
  for (const client of clients) client.disconnect()
  admin.disconnect()
  await proxy.close()
  await server.stop()
})

/** A driver over an ioredis 5 client. The driver's type names ioredis 6's class; the two share the API it uses. */
function driverOn(url: string, options: { commandTimeoutMs?: number } = {}): Driver {
  const client = new Redis5(url, { maxRetriesPerRequest: 1 })
  client.on('error', () => undefined)
  clients.push(client)
  return ioredisDriver({ client: client as unknown as Redis, onHandlerError: () => undefined, ...options })
}

runDriverConformance({
  name: 'ioredis 5 (user-owned client)',
  createDriver: () => driverOn(server.url),
  capabilities: { cluster: false, pubsub: true, scripting: 'lua' },
  flushScripts: async () => {
    await admin.call('script', 'flush')
  },
  faults: {
    createDriver: () => driverOn(proxy.url, { commandTimeoutMs: FAULT_TIMEOUT_MS }),
    timeoutMs: FAULT_TIMEOUT_MS,
    hang: () => proxy.hang(),
    cut: () => proxy.cut(),
    restore: () => proxy.restore(),
  },
})
