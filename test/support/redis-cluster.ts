/**
 * A real local Redis Cluster: 3 masters, no replicas, on free loopback ports, built by
 * `redis-cli --cluster create`. Started once per test run in global-setup.ts.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, rawCommand, startRedisProcess, waitUntil, type RedisProcess } from './redis-process.js'
import { REDIS_BINARY } from './redis-server.js'

const run = promisify(execFile)

/** Where redis-cli lives: beside redis-server. */
export const REDIS_CLI = process.env.REDIS_CLI_BINARY ?? join(dirname(REDIS_BINARY), 'redis-cli')

export interface ClusterNodeAddress {
  host: string
  port: number
}

export interface RedisClusterHandle {
  /** Every master, as { host, port }. */
  readonly nodes: ClusterNodeAddress[]
  /** Stops every node by the PID in its pidfile and removes the data directory. */
  stop(): Promise<void>
}

/** Starts 3 cluster-enabled servers, joins them, and waits until every node reports cluster_state:ok. */
export async function startRedisCluster(options: { masters?: number } = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3
  const dir = await mkdtemp(join(tmpdir(), 'cachekit-cluster-'))
  const processes: RedisProcess[] = []
  const stop = async () => {
    await Promise.all(processes.map((node) => node.stop()))
    await rm(dir, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort({ clusterBus: true })
      processes.push(
        await startRedisProcess({
          port,
          dir,
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '5000'],
        }),
      )
    }
    const addresses = processes.map((node) => `${node.host}:${node.port}`)
    await run(REDIS_CLI, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 })
    await waitUntil(async () => (await Promise.all(processes.map((node) => clusterStateOk(node.port)))).every(Boolean), 'cluster_state:ok on every node', 20_000)
    return { nodes: processes.map(({ host, port }) => ({ host, port })), stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function clusterStateOk(port: number): Promise<boolean> {
  try {
    return (await rawCommand(port, 'CLUSTER INFO', 500)).includes('cluster_state:ok')
  } catch {
    return false
  }
}
