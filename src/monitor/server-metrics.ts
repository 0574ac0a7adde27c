/**
 * Server figures from `INFO`: memory, stats (keyspace hits and misses, ops/sec,
 * evictions), clients, uptime and keyspace, per node and summed over a cluster's masters.
 */
import { infoField, infoNumber, parseInfo, parseKeyspace, type InfoNode, type KeyspaceEntry } from '../drivers/info.js'

/** One server's figures. */
export interface NodeMetrics {
  /** `host:port` on a cluster; undefined for a single server. */
  readonly node: string | undefined
  readonly version: string | undefined
  readonly uptimeSeconds: number
  readonly memory: {
    readonly usedBytes: number
    readonly peakBytes: number
    /** `maxmemory`; 0 means unlimited. */
    readonly maxBytes: number
    readonly policy: string | undefined
    readonly fragmentationRatio: number | undefined
  }
  readonly stats: {
    readonly keyspaceHits: number
    readonly keyspaceMisses: number
    readonly opsPerSec: number
    readonly totalCommands: number
    readonly evictedKeys: number
    readonly expiredKeys: number
  }
  readonly clients: { readonly connected: number; readonly blocked: number }
  readonly keyspace: Readonly<Record<string, KeyspaceEntry>>
}

/** The whole deployment: every node, and totals. */
export interface ServerMetrics {
  /** `redis_version` of the first node (or what the driver reports). */
  readonly version: string | undefined
  readonly mode: 'standalone' | 'cluster'
  readonly nodes: readonly NodeMetrics[]
  /** Sums over nodes, except `hitRate` (computed from the sums) and uptime (the shortest). */
  readonly totals: {
    readonly usedBytes: number
    readonly keyspaceHits: number
    readonly keyspaceMisses: number
    /** keyspace_hits / (hits + misses), server-wide (all clients, not only cachekit); null before any lookup. */
    readonly hitRate: number | null
    readonly opsPerSec: number
    readonly evictedKeys: number
    readonly expiredKeys: number
    readonly connectedClients: number
    readonly keys: number
    readonly expires: number
    readonly uptimeSeconds: number
  }
}

/**
 * Parses INFO text (default sections, or `everything`) into {@link ServerMetrics}.
 *
 * @example serverMetrics(await kit.driver.info()).totals.hitRate
 */
export function serverMetrics(infoText: string): ServerMetrics {
  const nodes = parseInfo(infoText).map(nodeMetrics)
  const sum = (pick: (node: NodeMetrics) => number) => nodes.reduce((total, node) => total + pick(node), 0)
  const keyspaceHits = sum((node) => node.stats.keyspaceHits)
  const keyspaceMisses = sum((node) => node.stats.keyspaceMisses)
  const lookups = keyspaceHits + keyspaceMisses
  return {
    version: nodes[0]?.version,
    mode: nodes.some((node) => node.node !== undefined) ? 'cluster' : 'standalone',
    nodes,
    totals: {
      usedBytes: sum((node) => node.memory.usedBytes),
      keyspaceHits,
      keyspaceMisses,
      hitRate: lookups === 0 ? null : keyspaceHits / lookups,
      opsPerSec: sum((node) => node.stats.opsPerSec),
      evictedKeys: sum((node) => node.stats.evictedKeys),
      expiredKeys: sum((node) => node.stats.expiredKeys),
      connectedClients: sum((node) => node.clients.connected),
      keys: sum((node) => Object.values(node.keyspace).reduce((total, db) => total + db.keys, 0)),
      expires: sum((node) => Object.values(node.keyspace).reduce((total, db) => total + db.expires, 0)),
      uptimeSeconds: nodes.length === 0 ? 0 : Math.min(...nodes.map((node) => node.uptimeSeconds)),
    },
  }
}

function nodeMetrics(node: InfoNode): NodeMetrics {
  const number = (field: string) => infoNumber(node, field) ?? 0
  return {
    node: node.node,
    version: infoField(node, 'redis_version'),
    uptimeSeconds: number('uptime_in_seconds'),
    memory: {
      usedBytes: number('used_memory'),
      peakBytes: number('used_memory_peak'),
      maxBytes: number('maxmemory'),
      policy: infoField(node, 'maxmemory_policy'),
      fragmentationRatio: infoNumber(node, 'mem_fragmentation_ratio'),
    },
    stats: {
      keyspaceHits: number('keyspace_hits'),
      keyspaceMisses: number('keyspace_misses'),
      opsPerSec: number('instantaneous_ops_per_sec'),
      totalCommands: number('total_commands_processed'),
      evictedKeys: number('evicted_keys'),
      expiredKeys: number('expired_keys'),
    },
    clients: { connected: number('connected_clients'), blocked: number('blocked_clients') },
    keyspace: parseKeyspace(node),
  }
}
