/**
 * Starts the servers every test file shares, once per `vitest run`, and hands their
 * addresses to tests through `provide`/`inject`. Tests that kill or flush a server start
 * their own (see redis-server.ts) so they never disturb these.
 */
import type { TestProject } from 'vitest/node'
import { missing, OPTIONAL_PREREQUISITES } from './prerequisites.js'
import { startRedisCluster, type ClusterNodeAddress } from './redis-cluster.js'
import { startRedisServer } from './redis-server.js'
import { startUpstashServer } from './upstash-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** redis://host:port of the shared isolated redis-server. */
    redisUrl: string
    /** http://127.0.0.1:port of the shared Upstash REST stand-in (upstash-server.ts). */
    upstashUrl: string
    /** The bearer token of that server. */
    upstashToken: string
    /** redis://host:port of the redis-server behind it (its own, so SCRIPT FLUSH there disturbs nobody else). */
    upstashRedisUrl: string
    /** The masters of the shared local 3-master Redis Cluster (redis-cluster.ts). */
    clusterNodes: ClusterNodeAddress[]
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The cluster takes seconds to form: start it first and let the other servers start meanwhile.
  const clusterStarting = startRedisCluster()
  clusterStarting.catch(() => undefined)
  const redis = await startRedisServer()
  project.provide('redisUrl', redis.url)
  const upstashRedis = await startRedisServer()
  const upstash = await startUpstashServer({ redisUrl: upstashRedis.url })
  project.provide('upstashUrl', upstash.url)
  project.provide('upstashToken', upstash.token)
  project.provide('upstashRedisUrl', upstashRedis.url)
  const cluster = await clusterStarting
  project.provide('clusterNodes', cluster.nodes)
  return async () => {
    // Repeated at the end of the run, where a reader looks: what this machine could not test.
    for (const prerequisite of OPTIONAL_PREREQUISITES) {
      const reason = missing(prerequisite)
      if (reason !== undefined) console.warn(`\n[cachekit tests] ${reason}`)
    }
    await cluster.stop()
    await upstash.stop()
    await upstashRedis.stop()
    await redis.stop()
  }
}
