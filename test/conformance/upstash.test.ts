import { Redis as IORedis } from 'ioredis'
import { afterAll, inject } from 'vitest'
import { upstashDriver } from '../../src/drivers/upstash/index.js'
import { runDriverConformance } from '../../src/testing/index.js'
import { startUpstashServer, type UpstashServerHandle } from '../support/upstash-server.js'

// The real @upstash/redis client against the local Upstash REST stand-in, in front of a
// real redis-server (there is no Upstash service here; see test/support/upstash-server.ts).
const url = inject('upstashUrl')
const token = inject('upstashToken')
const redisUrl = inject('upstashRedisUrl')
const admin = new IORedis(redisUrl, { protocol: 2 })

// Faults hit a REST server of this file's own, in front of the same redis: hanging the
// shared one would stall every other file that uses it.
const FAULT_TIMEOUT_MS = 300
let faultServer: UpstashServerHandle | undefined
const faultyServer = async (): Promise<UpstashServerHandle> => (faultServer ??= await startUpstashServer({ redisUrl }))

afterAll(async () => {
  await faultServer?.stop()
  admin.disconnect()
})

runDriverConformance({
  name: 'upstash',
  createDriver: () => upstashDriver({ url, token, onHandlerError: () => undefined }),
  capabilities: { cluster: false, pubsub: true, scripting: 'lua' },
  flushScripts: async () => {
    await admin.call('script', 'flush')
  },
  faults: {
    createDriver: async () => {
      const server = await faultyServer()
      return upstashDriver({ url: server.url, token: server.token, commandTimeoutMs: FAULT_TIMEOUT_MS })
    },
    timeoutMs: FAULT_TIMEOUT_MS,
    hang: async () => (await faultyServer()).hang(),
    cut: async () => (await faultyServer()).cut(),
    restore: async () => (await faultyServer()).restore(),
  },
})
