/**
 * A real local Redis Cluster on free loopback ports, built by `redis-cli --cluster create`:
 * 3 masters and no replicas by default (started once per test run in global-setup.ts),
 * or with replicas for the fault tests that fail over, each of which starts its own.
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
  /** Every node as started (masters first, then replicas, as redis-cli assigns them), as { host, port }. */
  readonly nodes: ClusterNodeAddress[]
  /** Every node's process, in the order of `nodes`: pause, resume, stop and start one. */
  readonly processes: readonly RedisProcess[]
  /** Stops every node by the PID in its pidfile and removes the data directory. */
  stop(): Promise<void>
}

export interface RedisClusterOptions {
  /** @default 3 */
  masters?: number
  /** Replicas per master. @default 0 */
  replicas?: number
  /** cluster-node-timeout: how long a master may be unreachable before its replica takes over. @default 5000 */
  nodeTimeoutMs?: number
}

/** Starts cluster-enabled servers, joins them, and waits until every node reports cluster_state:ok. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3
  const replicas = options.replicas ?? 0
  const nodeTimeout = String(options.nodeTimeoutMs ?? 5000)
  const dir = await mkdtemp(join(tmpdir(), 'cachekit-cluster-'))
  const processes: RedisProcess[] = []
  const stop = async () => {
    await Promise.all(processes.map((node) => node.stop()))
    await rm(dir, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePort({ clusterBus: true })
      processes.push(
        await startRedisProcess({
          port,
          dir,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            nodeTimeout,
          ],
        }),
      )
    }
    const addresses = processes.map((node) => `${node.host}:${node.port}`)
    await run(REDIS_CLI, ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'], {
      timeout: 30_000,
    })
    await waitUntil(
      async () => (await Promise.all(processes.map((node) => clusterStateOk(node.port)))).every(Boolean),
      'cluster_state:ok on every node',
      20_000,
    )
    if (replicas > 0)
      await waitUntil(
        async () => (await replicasInSync(processes[0] as RedisProcess)) >= masters * replicas,
        'every replica linked to its master',
        20_000,
      )
    return { nodes: processes.map(({ host, port }) => ({ host, port })), processes, stop }
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

/** How many replicas CLUSTER NODES (asked of `node`) shows connected to their master. */
async function replicasInSync(node: RedisProcess): Promise<number> {
  try {
    const lines = (await rawCommand(node.port, 'CLUSTER NODES', 500)).split('\n')
    return lines.filter((line) => line.includes(' slave ') && line.includes(' connected')).length
  } catch {
    return 0
  }
}
