/**
 * The kit's metrics as Prometheus metric families: one definition serves the text
 * format of the admin handler and the prom-client registration of `cachekit/prometheus`.
 */
import type { MetricsSnapshot } from './monitor.js'

/** One sample line. `suffix` extends the family name (`_bucket`, `_sum`, `_count`). */
export interface FamilySample {
  readonly suffix?: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** A metric family: what one `# HELP` / `# TYPE` block describes. */
export interface MetricFamily {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge' | 'histogram'
  /** The labels every sample carries (a histogram's `le` not included). */
  readonly labelNames: readonly string[]
  readonly samples: readonly FamilySample[]
}

const CACHE_COUNTERS = [
  ['hits', 'cachekit_cache_hits_total', 'Cache reads answered with a fresh value.'],
  ['staleHits', 'cachekit_cache_stale_hits_total', 'Cache reads answered with a stale value within grace.'],
  ['misses', 'cachekit_cache_misses_total', 'Cache reads that found nothing usable.'],
  ['loads', 'cachekit_cache_loads_total', 'Loader calls.'],
  ['loadErrors', 'cachekit_cache_load_errors_total', 'Loader calls that failed.'],
  ['sets', 'cachekit_cache_sets_total', 'Entries written.'],
  ['deletes', 'cachekit_cache_deletes_total', 'Entries deleted.'],
  ['errors', 'cachekit_cache_errors_total', 'Driver failures the cache answered around (fail open).'],
  ['l1Hits', 'cachekit_cache_l1_hits_total', 'Hits served from the in-process tier.'],
] as const

const CIRCUIT_STATES = ['closed', 'half-open', 'open'] as const
const GUARD_STATES = ['ok', 'warn', 'critical'] as const

/**
 * Every metric family of a snapshot: cache, driver, guard, server and registered feature metrics.
 *
 * @example formatPrometheus(metricFamilies(await kit.monitor.metrics()))
 */
export function metricFamilies(snapshot: MetricsSnapshot): MetricFamily[] {
  return [
    ...cacheFamilies(snapshot),
    ...driverFamilies(snapshot),
    ...guardFamilies(snapshot),
    ...serverFamilies(snapshot),
    ...snapshot.features.map(featureFamily),
  ]
}

function cacheFamilies(snapshot: MetricsSnapshot): MetricFamily[] {
  const families = Object.entries(snapshot.cache.families)
  return [
    ...CACHE_COUNTERS.map(
      ([field, name, help]): MetricFamily => ({
        name,
        help,
        type: 'counter',
        labelNames: ['family'],
        samples: families.map(([family, stats]) => ({ labels: { family }, value: stats[field] })),
      }),
    ),
    {
      name: 'cachekit_cache_hit_ratio',
      help: 'Fresh hits / reads per key family, since start.',
      type: 'gauge',
      labelNames: ['family'],
      samples: families.map(([family, stats]) => ({ labels: { family }, value: stats.hitRate })),
    },
    {
      name: 'cachekit_cache_load_duration_seconds',
      help: 'Loader duration percentiles over recent loads.',
      type: 'gauge',
      labelNames: ['family', 'quantile'],
      samples: families.flatMap(([family, stats]) =>
        (['p50', 'p95', 'p99'] as const).map((quantile) => ({
          labels: { family, quantile: `0.${quantile.slice(1)}` },
          value: stats.loadMs[quantile] / 1000,
        })),
      ),
    },
  ]
}

function driverFamilies(snapshot: MetricsSnapshot): MetricFamily[] {
  const calls = snapshot.driverCalls
  const byCommand = Object.entries(calls.byCommand)
  let cumulative = 0
  const buckets = calls.histogram.bucketsMs.map((boundMs, index) => {
    cumulative += calls.histogram.counts[index] ?? 0
    return { suffix: '_bucket', labels: { le: String(boundMs / 1000) }, value: cumulative }
  })
  return [
    {
      name: 'cachekit_driver_calls_total',
      help: 'Driver calls per method.',
      type: 'counter',
      labelNames: ['method'],
      samples: byCommand.map(([method, entry]) => ({ labels: { method }, value: entry.calls })),
    },
    {
      name: 'cachekit_driver_errors_total',
      help: 'Driver calls that failed for server or network reasons, per method.',
      type: 'counter',
      labelNames: ['method'],
      samples: byCommand.map(([method, entry]) => ({ labels: { method }, value: entry.errors })),
    },
    {
      name: 'cachekit_driver_call_duration_seconds',
      help: 'Driver call latency seen by the client.',
      type: 'histogram',
      labelNames: [],
      samples: [
        ...buckets,
        { suffix: '_bucket', labels: { le: '+Inf' }, value: calls.histogram.count },
        { suffix: '_sum', labels: {}, value: calls.histogram.sumMs / 1000 },
        { suffix: '_count', labels: {}, value: calls.histogram.count },
      ],
    },
    {
      name: 'cachekit_circuit_state',
      help: 'Circuit breaker state (1 for the current one).',
      type: 'gauge',
      labelNames: ['state'],
      samples: CIRCUIT_STATES.map((state) => ({ labels: { state }, value: snapshot.circuit === state ? 1 : 0 })),
    },
  ]
}

function guardFamilies(snapshot: MetricsSnapshot): MetricFamily[] {
  const guard = snapshot.guard
  const memory = snapshot.memory
  return [
    {
      name: 'cachekit_guard_state',
      help: 'Memory guard state (1 for the current one).',
      type: 'gauge',
      labelNames: ['state'],
      samples: GUARD_STATES.map((state) => ({ labels: { state }, value: guard.state === state ? 1 : 0 })),
    },
    {
      name: 'cachekit_guard_skipped_writes_total',
      help: 'Cache writes the memory guard skipped, per key family.',
      type: 'counter',
      labelNames: ['family'],
      samples: Object.entries(guard.skippedWrites).map(([family, value]) => ({ labels: { family }, value })),
    },
    {
      name: 'cachekit_guard_evicted_keys_total',
      help: 'Keys the memory guard deleted, per key family.',
      type: 'counter',
      labelNames: ['family'],
      samples: Object.entries(guard.evictedKeys).map(([family, value]) => ({ labels: { family }, value })),
    },
    {
      name: 'cachekit_memory_used_bytes',
      help: 'used_memory of the fullest node.',
      type: 'gauge',
      labelNames: [],
      samples: memory ? [{ labels: {}, value: memory.usedBytes }] : [],
    },
    {
      name: 'cachekit_memory_limit_bytes',
      help: 'The limit memory is judged against: maxmemory or the guard budget, whichever is smaller.',
      type: 'gauge',
      labelNames: [],
      samples: memory?.limitBytes != null ? [{ labels: {}, value: memory.limitBytes }] : [],
    },
  ]
}

function serverFamilies(snapshot: MetricsSnapshot): MetricFamily[] {
  const nodes = snapshot.server?.nodes ?? []
  const perNode = (
    name: string,
    help: string,
    type: 'counter' | 'gauge',
    pick: (node: (typeof nodes)[number]) => number,
  ): MetricFamily => ({
    name,
    help,
    type,
    labelNames: ['node'],
    samples: nodes.map((node) => ({ labels: { node: node.node ?? 'standalone' }, value: pick(node) })),
  })
  return [
    perNode('cachekit_redis_used_memory_bytes', 'INFO used_memory per node.', 'gauge', (node) => node.memory.usedBytes),
    perNode('cachekit_redis_maxmemory_bytes', 'INFO maxmemory per node (0: unlimited).', 'gauge', (node) => node.memory.maxBytes),
    perNode(
      'cachekit_redis_keyspace_hits_total',
      'INFO keyspace_hits per node (all clients).',
      'counter',
      (node) => node.stats.keyspaceHits,
    ),
    perNode(
      'cachekit_redis_keyspace_misses_total',
      'INFO keyspace_misses per node (all clients).',
      'counter',
      (node) => node.stats.keyspaceMisses,
    ),
    perNode('cachekit_redis_evicted_keys_total', 'INFO evicted_keys per node.', 'counter', (node) => node.stats.evictedKeys),
    perNode('cachekit_redis_expired_keys_total', 'INFO expired_keys per node.', 'counter', (node) => node.stats.expiredKeys),
    perNode('cachekit_redis_ops_per_second', 'INFO instantaneous_ops_per_sec per node.', 'gauge', (node) => node.stats.opsPerSec),
    perNode('cachekit_redis_connected_clients', 'INFO connected_clients per node.', 'gauge', (node) => node.clients.connected),
    perNode('cachekit_redis_uptime_seconds', 'INFO uptime_in_seconds per node.', 'gauge', (node) => node.uptimeSeconds),
    {
      name: 'cachekit_redis_keys',
      help: 'Keys per node and database (INFO keyspace).',
      type: 'gauge',
      labelNames: ['node', 'db'],
      samples: nodes.flatMap((node) =>
        Object.entries(node.keyspace).map(([db, entry]) => ({ labels: { node: node.node ?? 'standalone', db }, value: entry.keys })),
      ),
    },
  ]
}

function featureFamily(metric: MetricsSnapshot['features'][number]): MetricFamily {
  return { name: metric.name, help: metric.help, type: metric.type, labelNames: metric.labelNames, samples: metric.samples }
}
