/**
 * `kit.monitor`: health, metrics, the slow log, key distribution, registered feature
 * metrics and recent events. Every read is on demand; nothing here polls.
 */
import type { FamilyStats } from '../cache/stats.js'
import { ValidationError } from '../core/errors/index.js'
import type { Emitter } from '../core/events.js'
import type { Driver } from '../drivers/driver.js'
import { infoField, parseInfo } from '../drivers/info.js'
import type { CircuitState } from '../drivers/resilient.js'
import type { GuardStatus, MemoryGuard } from '../guard/memory-guard.js'
import { memoryUsageFromInfo, readMemoryUsage, type MemoryUsage } from '../guard/memory-usage.js'
import type { FamilyInfo } from '../keys/classify-key.js'
import type { Namespace } from '../keys/namespace.js'
import type { DriverCallListener, DriverCallStats, DriverMeasurements } from './driver-measurements.js'
import { EventLog, type LoggedEvent, type NoteworthyEvents } from './event-log.js'
import { judgeHealth, type BusHealth, type HealthReport, type PendingInvalidations, type ResolvedHealthThresholds } from './health.js'
import { keyDistribution, type KeyDistribution, type KeyDistributionOptions } from './key-distribution.js'
import { MetricsRegistry, type FeatureMetric, type FeatureMetricSnapshot } from './registry.js'
import { serverMetrics, type ServerMetrics } from './server-metrics.js'
import { readSlowlog, type SlowlogReport } from './slowlog.js'

/** What `kit.monitor.metrics()` answers: JSON-safe. */
export interface MetricsSnapshot {
  /** ISO time. */
  readonly collectedAt: string
  readonly driver: string
  readonly circuit: CircuitState
  /** Parsed INFO; null when the server could not be read (see `serverError`). */
  readonly server: ServerMetrics | null
  readonly serverError: string | null
  /** Memory of the fullest node, judged against maxmemory or the guard's budget. */
  readonly memory: MemoryUsage | null
  readonly cache: {
    readonly families: Readonly<Record<string, FamilyStats>>
    readonly totals: {
      readonly hits: number
      readonly staleHits: number
      readonly misses: number
      readonly loads: number
      readonly loadErrors: number
      readonly errors: number
      readonly hitRate: number | null
    }
  }
  /** Client-side driver call latency and errors. */
  readonly driverCalls: DriverCallStats
  readonly guard: GuardStatus
  /** Metrics features registered (rate limits, locks, your own). */
  readonly features: readonly FeatureMetricSnapshot[]
  /** Newest first. */
  readonly events: readonly LoggedEvent[]
}

/** What the monitor reads from. `createCachekit` assembles it. */
export interface MonitorContext {
  readonly driver: Driver
  readonly namespace: Namespace
  readonly families: readonly FamilyInfo[]
  readonly cache: { stats(): Record<string, FamilyStats> }
  readonly events: Emitter<NoteworthyEvents>
  readonly guard: MemoryGuard
  readonly budgetBytes: number | undefined
  readonly measurements: DriverMeasurements
  readonly circuit: () => CircuitState
  /** The cache bus's status; undefined when the driver has no pub/sub. */
  readonly bus: () => BusHealth | undefined
  /** Invalidations waiting in the cache's outbox. */
  readonly invalidations: () => PendingInvalidations
  readonly thresholds: ResolvedHealthThresholds
}

export class Monitor {
  private readonly registry = new MetricsRegistry()
  private readonly log = new EventLog()
  private readonly detach: () => void

  constructor(private readonly context: MonitorContext) {
    this.detach = this.log.attach(context.events, context.guard.events)
  }

  /**
   * Pings the server and judges memory, hit rate, latency, error rate, the circuit and the
   * guard against the thresholds. Never rejects: an unreachable server is a critical issue.
   *
   * @example
   * const health = await kit.monitor.health()
   * if (health.status === 'unhealthy') page(health.issues)
   */
  async health(): Promise<HealthReport> {
    const { driver, guard, budgetBytes, measurements, thresholds } = this.context
    const [ping, server, memory] = await Promise.all([
      driver.ping().then(
        (ms) => ({ ok: true as const, ms }),
        (error: unknown) => ({ ok: false as const, error: errorCode(error) }),
      ),
      driver.info('server').then(serverLabel, () => null),
      readMemoryUsage(driver, budgetBytes).catch(() => null),
    ])
    const totals = cacheTotals(this.context.cache.stats())
    return judgeHealth(
      {
        driverName: driver.name,
        server,
        ping,
        circuit: this.context.circuit(),
        bus: this.context.bus() ?? null,
        invalidations: this.context.invalidations(),
        guard: guard.state,
        memory,
        reads: totals.hits + totals.staleHits + totals.misses,
        hits: totals.hits,
        recent: measurements.snapshot().recent,
        configWarnings: guard.status().warnings,
      },
      thresholds,
    )
  }

  /**
   * Everything at once: parsed INFO (memory, stats, clients, uptime, keyspace), cache
   * stats per key family, driver call latency, guard, circuit, registered feature
   * metrics and recent events. Never rejects: an unreadable server is `serverError`.
   */
  async metrics(): Promise<MetricsSnapshot> {
    const { driver, budgetBytes } = this.context
    let server: ServerMetrics | null = null
    let memory: MemoryUsage | null = null
    let serverError: string | null = null
    try {
      const text = await driver.info()
      server = serverMetrics(text)
      const nodes = parseInfo(text)
      memory = memoryUsageFromInfo(nodes, nodes, budgetBytes)
    } catch (error) {
      serverError = errorCode(error)
    }
    const families = this.context.cache.stats()
    return {
      collectedAt: new Date().toISOString(),
      driver: driver.name,
      circuit: this.context.circuit(),
      server,
      serverError,
      memory,
      cache: { families, totals: cacheTotals(families) },
      driverCalls: this.context.measurements.snapshot(),
      guard: this.context.guard.status(),
      features: this.registry.collect(),
      events: this.log.recent(),
    }
  }

  /**
   * The slow log of every master (SLOWLOG GET through a script), newest first.
   * @param count entries to return (1..1000).
   */
  async slowlog(count = 10): Promise<SlowlogReport> {
    if (!Number.isSafeInteger(count) || count <= 0 || count > 1000)
      throw new ValidationError(`slowlog count must be an integer from 1 to 1000, got ${String(count)}`)
    return readSlowlog(this.context.driver, this.context.namespace, count)
  }

  /**
   * Keys and memory per key family: a bounded SCAN of the namespace (every master of a
   * cluster) and TYPE, PTTL and MEMORY USAGE of a uniform sample.
   *
   * @example const { families } = await kit.monitor.keyDistribution({ sample: 200 })
   */
  keyDistribution(options: KeyDistributionOptions = {}): Promise<KeyDistribution> {
    return keyDistribution(this.context.driver, this.context.namespace, this.context.families, options)
  }

  /**
   * Registers a feature's metric (shown by `metrics()`, the dashboard and Prometheus).
   * Returns a function that removes it.
   *
   * @example
   * kit.monitor.register({
   *   name: 'app_exports_total', help: 'Exports started.', type: 'counter', labelNames: [],
   *   collect: () => [{ labels: {}, value: exports }],
   * })
   */
  register(metric: FeatureMetric): () => void {
    return this.registry.register(metric)
  }

  /** Calls `listener` after every driver call (method, duration in ms, error or undefined); returns a function that stops. */
  onDriverCall(listener: DriverCallListener): () => void {
    return this.context.measurements.onCall(listener)
  }

  /** Logs an event of your own (shown on the dashboard). */
  logEvent(type: string, message: string, severity: LoggedEvent['severity'] = 'info'): void {
    this.log.add(type, severity, message)
  }

  /** The last 50 noteworthy events, newest first. */
  recentEvents(): LoggedEvent[] {
    return this.log.recent()
  }

  /** Stops listening to events (the kit calls it on close). */
  close(): void {
    this.detach()
  }
}

/** Sums of cache counters over every family. */
export function cacheTotals(families: Readonly<Record<string, FamilyStats>>): MetricsSnapshot['cache']['totals'] {
  const totals = { hits: 0, staleHits: 0, misses: 0, loads: 0, loadErrors: 0, errors: 0 }
  for (const stats of Object.values(families)) {
    totals.hits += stats.hits
    totals.staleHits += stats.staleHits
    totals.misses += stats.misses
    totals.loads += stats.loads
    totals.loadErrors += stats.loadErrors
    totals.errors += stats.errors
  }
  const reads = totals.hits + totals.staleHits + totals.misses
  return { ...totals, hitRate: reads === 0 ? null : totals.hits / reads }
}

function serverLabel(text: string): string | null {
  const [node] = parseInfo(text)
  if (!node) return null
  const driver = infoField(node, 'cachekit_driver')
  if (driver !== undefined) return `cachekit ${driver} driver`
  const version = infoField(node, 'redis_version')
  return version === undefined ? null : `redis ${version}`
}

/** An error's stable code, never its message: messages may carry addresses. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'error'
}
