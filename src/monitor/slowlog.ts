/**
 * The server's slow log (SLOWLOG GET) through a script, so the Driver contract needs no
 * raw-command path. On a cluster the script is routed to every master by routing keys
 * spread over the slot space; entries are merged, newest first.
 */
import { hashSlot } from '../core/slot.js'
import type { Driver } from '../drivers/driver.js'
import { parseInfo } from '../drivers/info.js'
import type { Namespace } from '../keys/namespace.js'
import { slowlogGet, type NodeSlowlog } from '../scripts/slowlog-get.js'

/** One slow command. */
export interface SlowlogEntry {
  readonly id: number
  /** When it ran (epoch ms). */
  readonly at: number
  readonly durationMicros: number
  /** The command and its arguments, as Redis recorded them (it truncates long ones). */
  readonly command: readonly string[]
  readonly client: string
  /** The server's run_id (several on a cluster). */
  readonly nodeId: string
}

/** The slow log of every reachable node. */
export interface SlowlogReport {
  /** False where the server refuses SLOWLOG in scripts (some managed services). */
  readonly supported: boolean
  /** Newest first, at most `count`. */
  readonly entries: readonly SlowlogEntry[]
  /** Nodes whose log was read, and how many masters there are. */
  readonly nodesRead: number
  readonly nodes: number
}

// Routing keys for slots spread over 64 equal ranges: enough to reach every master whose
// slot range is at least 256 wide, which covers any sensibly balanced cluster.
const SLOT_RANGES = 64
const PROBES_AT_ONCE = 8

/** Reads up to `count` entries of the slow log of every master. */
export async function readSlowlog(driver: Driver, namespace: Namespace, count: number): Promise<SlowlogReport> {
  const nodes = driver.capabilities.cluster ? parseInfo(await driver.info('server')).length : 1
  const seen = new Map<string, NodeSlowlog>()
  let supported = true
  const routes = routingKeys(namespace, driver.capabilities.cluster ? SLOT_RANGES : 1)
  for (let start = 0; start < routes.length && seen.size < nodes; start += PROBES_AT_ONCE) {
    const logs = await Promise.all(
      routes.slice(start, start + PROBES_AT_ONCE).map((key) => driver.eval(slowlogGet, [key], [String(count)])),
    )
    for (const log of logs) {
      if (log === null) supported = false
      else if (!seen.has(log.nodeId)) seen.set(log.nodeId, log)
    }
    if (!supported) break
  }
  const entries = [...seen.values()]
    .flatMap((log) => log.entries.map((raw) => parseEntry(raw, log.nodeId)))
    .filter((entry): entry is SlowlogEntry => entry !== undefined)
    .sort((a, b) => b.at - a.at || b.id - a.id)
    .slice(0, count)
  return { supported, entries, nodesRead: seen.size, nodes }
}

// Keyed by namespace: a process running one kit per tenant would grow it per tenant.
const routeCache = new Map<string, string[]>()
const MAX_CACHED_ROUTES = 64

function routingKeys(namespace: Namespace, ranges: number): string[] {
  const cacheKey = `${ranges}:${namespace.prefix}`
  const cached = routeCache.get(cacheKey)
  if (cached) return cached
  const width = 16384 / ranges
  const keys: string[] = []
  for (let range = 0, candidate = 0; range < ranges; range++) {
    for (; ; candidate++) {
      const key = namespace.key(`__probe:{${candidate}}`)
      if (Math.floor(hashSlot(key) / width) === range || ranges === 1) {
        keys.push(key)
        break
      }
    }
  }
  if (routeCache.size >= MAX_CACHED_ROUTES) routeCache.delete(routeCache.keys().next().value as string)
  routeCache.set(cacheKey, keys)
  return keys
}

function parseEntry(raw: unknown, nodeId: string): SlowlogEntry | undefined {
  if (!Array.isArray(raw)) return undefined
  const [id, seconds, micros, args, client] = raw as unknown[]
  return {
    id: Number(id),
    at: Number(seconds) * 1000,
    durationMicros: Number(micros),
    command: Array.isArray(args) ? args.map(String) : [],
    client: typeof client === 'string' ? client : '',
    nodeId,
  }
}
