import { DriverError } from '../../core/errors/index.js'
import { EXIT, type CommandContext } from '../command.js'
import { facts, formatBytes, percent, table } from '../format.js'

/** `cachekit stats`: the server's figures from INFO. */
export async function stats(context: CommandContext): Promise<number> {
  const metrics = await context.kit.monitor.metrics()
  if (context.json) {
    context.printJson(metrics)
    return metrics.server ? EXIT.ok : EXIT.failure
  }
  const server = metrics.server
  if (!server) throw new DriverError(`cannot read INFO (${metrics.serverError ?? 'unknown error'})`, { driver: metrics.driver })
  const totals = server.totals
  context.print(
    facts([
      ['target', context.connection.target],
      ['server', `redis ${server.version ?? '?'} (${server.mode}, ${server.nodes.length} node${server.nodes.length === 1 ? '' : 's'})`],
      [
        'memory',
        metrics.memory
          ? `${formatBytes(metrics.memory.usedBytes)}${metrics.memory.limitBytes === null ? ', no limit' : ` of ${formatBytes(metrics.memory.limitBytes)} (${percent(metrics.memory.ratio)})`}`
          : '-',
      ],
      ['policy', metrics.memory?.policy ?? '-'],
      ['hit rate', `${percent(totals.hitRate)} (${totals.keyspaceHits} hits, ${totals.keyspaceMisses} misses, all clients)`],
      ['ops/sec', totals.opsPerSec],
      ['clients', totals.connectedClients],
      ['keys', `${totals.keys} (${totals.expires} with TTL)`],
      ['evicted', totals.evictedKeys],
      ['expired', totals.expiredKeys],
      ['uptime', `${Math.floor(totals.uptimeSeconds / 3600)}h ${Math.floor((totals.uptimeSeconds % 3600) / 60)}m`],
    ]),
  )
  if (server.nodes.length > 1) {
    context.print(
      `\n${table(
        ['node', 'used', 'max', 'keys', 'ops/sec'],
        server.nodes.map((node) => [
          node.node ?? '-',
          formatBytes(node.memory.usedBytes),
          node.memory.maxBytes === 0 ? '-' : formatBytes(node.memory.maxBytes),
          Object.values(node.keyspace).reduce((sum, db) => sum + db.keys, 0),
          node.stats.opsPerSec,
        ]),
      )}`,
    )
  }
  return EXIT.ok
}
