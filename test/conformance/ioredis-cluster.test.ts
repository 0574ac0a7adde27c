import { Cluster } from 'ioredis'
import { afterAll, inject } from 'vitest'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { runDriverConformance } from '../../src/testing/index.js'

// The shared local 3-master cluster (test/support/redis-cluster.ts). No `faults`: a proxy
// in front of a cluster would also have to rewrite the node addresses CLUSTER SLOTS
// announces, and the driver's outage handling is the same code path that
// test/conformance/ioredis.test.ts faults through a proxy on a single server.
const nodes = inject('clusterNodes')
const admin = new Cluster(nodes, { redisOptions: { protocol: 2 } })

afterAll(async () => {
  await admin.quit()
})

runDriverConformance({
  name: 'ioredis (cluster)',
  createDriver: () => ioredisDriver({ cluster: nodes, onHandlerError: () => undefined }),
  capabilities: { cluster: true, pubsub: true, scripting: 'lua' },
  // SCRIPT FLUSH on every master: each node has its own script cache.
  flushScripts: async () => {
    await Promise.all(admin.nodes('master').map((node) => node.call('script', 'flush')))
  },
})
