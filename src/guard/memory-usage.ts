/**
 * How full the server is, from `INFO memory` and `INFO stats`. On a cluster every master
 * reports its own figures and the fullest one decides: one full node refuses writes even
 * when the others have room.
 */
import type { Driver } from '../drivers/driver.js'
import { infoField, infoNumber, parseInfo, type InfoNode } from '../drivers/info.js'

/** Memory figures of the fullest node. */
export interface MemoryUsage {
  /** `used_memory` in bytes. */
  readonly usedBytes: number
  /** The limit the ratio is computed against (see `limitSource`); `null` when there is none. */
  readonly limitBytes: number | null
  /** usedBytes / limitBytes; `null` without a limit. */
  readonly ratio: number | null
  /** Where the limit came from: the server's `maxmemory`, the guard's `budget`, or nowhere. */
  readonly limitSource: 'maxmemory' | 'budget' | 'none'
  /** The server's `maxmemory` (0: unlimited). */
  readonly maxmemory: number
  /** `maxmemory_policy`, when the server reports it. */
  readonly policy: string | undefined
  /** `evicted_keys`, summed over nodes: keys Redis itself evicted since it started. */
  readonly evictedKeys: number
  /** `host:port` of the fullest node on a cluster. */
  readonly node: string | undefined
  /** How many servers reported. */
  readonly nodes: number
}

/**
 * Reads INFO memory and stats and returns the fullest node's usage. `budgetBytes` caps
 * the limit: it stands in for a provider's plan size when `maxmemory` is 0 (or hidden),
 * and it wins when it is smaller than `maxmemory`.
 */
export async function readMemoryUsage(driver: Driver, budgetBytes: number | undefined): Promise<MemoryUsage> {
  const [memory, stats] = await Promise.all([driver.info('memory'), driver.info('stats')])
  return memoryUsageFromInfo(parseInfo(memory), parseInfo(stats), budgetBytes)
}

/** The same, from INFO already parsed (`statsNodes` may be the same nodes when INFO held every section). */
export function memoryUsageFromInfo(
  memoryNodes: readonly InfoNode[],
  statsNodes: readonly InfoNode[],
  budgetBytes: number | undefined,
): MemoryUsage {
  const evictedKeys = statsNodes.reduce((sum, node) => sum + (infoNumber(node, 'evicted_keys') ?? 0), 0)
  return fullest(memoryNodes.map((node) => usageOf(node, budgetBytes, evictedKeys, memoryNodes.length)))
}

function usageOf(node: InfoNode, budgetBytes: number | undefined, evictedKeys: number, nodes: number): MemoryUsage {
  const usedBytes = infoNumber(node, 'used_memory') ?? 0
  const maxmemory = infoNumber(node, 'maxmemory') ?? 0
  let limitBytes: number | null = null
  let limitSource: MemoryUsage['limitSource'] = 'none'
  if (maxmemory > 0) {
    limitBytes = maxmemory
    limitSource = 'maxmemory'
  }
  if (budgetBytes !== undefined && (limitBytes === null || budgetBytes < limitBytes)) {
    limitBytes = budgetBytes
    limitSource = 'budget'
  }
  return {
    usedBytes,
    limitBytes,
    ratio: limitBytes === null ? null : usedBytes / limitBytes,
    limitSource,
    maxmemory,
    policy: infoField(node, 'maxmemory_policy'),
    evictedKeys,
    node: node.node,
    nodes,
  }
}

function fullest(usages: MemoryUsage[]): MemoryUsage {
  const [first, ...rest] = usages
  if (!first) {
    return {
      usedBytes: 0,
      limitBytes: null,
      ratio: null,
      limitSource: 'none',
      maxmemory: 0,
      policy: undefined,
      evictedKeys: 0,
      node: undefined,
      nodes: 0,
    }
  }
  return rest.reduce((worst, usage) => {
    const fuller = (usage.ratio ?? -1) - (worst.ratio ?? -1)
    return fuller > 0 || (fuller === 0 && usage.usedBytes > worst.usedBytes) ? usage : worst
  }, first)
}
