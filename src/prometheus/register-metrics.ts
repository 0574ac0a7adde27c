/**
 * `cachekit/prometheus`: the kit's metrics in your prom-client registry, next to your
 * own. Counters and gauges are read from `kit.monitor.metrics()` when Prometheus scrapes (one
 * INFO round trip per scrape, shared by every metric); driver call and loader durations
 * are real histograms fed as calls happen.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { ValidationError } from '../core/errors/index.js'
import { FAMILY_TABLE_DEFAULTS, FamilyTable } from '../core/family-table.js'
import type { KitEvents } from '../kit.js'
import type { Emitter } from '../core/events.js'
import type { DriverCallListener } from '../monitor/driver-measurements.js'
import { metricFamilies, type MetricFamily } from '../monitor/metric-families.js'
import type { MetricsSnapshot } from '../monitor/monitor.js'

/** Options of {@link registerCachekitMetrics}. */
export interface PrometheusOptions {
  /** Your prom-client registry (`new Registry()` or `register`, the default one). */
  registry: Registry
  /**
   * How long one `kit.monitor.metrics()` snapshot keeps serving later scrapes, in ms. Every metric
   * of one scrape shares one snapshot anyway; raise this when several registries or
   * scrapers read the same kit within moments.
   * @default 0
   */
  snapshotMs?: number
  /**
   * Histogram buckets for driver call durations, in seconds.
   * @default [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
   */
  driverBuckets?: readonly number[]
  /**
   * Histogram buckets for loader durations, in seconds.
   * @default [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
   */
  loaderBuckets?: readonly number[]
  /**
   * Key families with series of their own in the loader histogram, the most active
   * ones; loads of the rest are observed under `family="(other)"`. A family that loses
   * its place has its series removed. The other per-family metrics come from
   * `kit.monitor.metrics()`, which is bounded the same way.
   * @default 100
   */
  maxFamilies?: number
}

/** The part of a kit this module reads (any `createCachekit` result fits). */
export interface PrometheusKit {
  readonly events: Emitter<KitEvents>
  readonly monitor: { metrics(): Promise<MetricsSnapshot>; onDriverCall(listener: DriverCallListener): () => void }
}

/** What {@link registerCachekitMetrics} returns. */
export interface RegisteredMetrics {
  /** The names registered so far (feature metrics registered later join on the next scrape). */
  readonly names: readonly string[]
  /** Removes every cachekit metric from the registry and stops listening. */
  unregister(): void
}

const DRIVER_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const LOADER_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * Registers the kit's metrics with a prom-client registry. Reads one snapshot first, so
 * every metric exists before the first scrape.
 *
 * @example
 * import { Registry } from 'prom-client'
 * import { registerCachekitMetrics } from 'cachekit/prometheus'
 * const registry = new Registry()
 * await registerCachekitMetrics(kit, { registry })
 * // GET /metrics: res.type(registry.contentType).send(await registry.metrics())
 */
export async function registerCachekitMetrics(kit: PrometheusKit, options: PrometheusOptions): Promise<RegisteredMetrics> {
  const registry = options?.registry
  if (!registry || typeof registry.registerMetric !== 'function')
    throw new ValidationError('registerCachekitMetrics needs options.registry, a prom-client Registry')
  const snapshotMs = options.snapshotMs ?? 0
  if (!Number.isFinite(snapshotMs) || snapshotMs < 0)
    throw new ValidationError(`snapshotMs must be a non-negative number, got ${String(snapshotMs)}`)

  // One snapshot per scrape: every metric's collect() starts in the same tick and shares
  // the pending snapshot; a settled one is reused for `snapshotMs`.
  let cached: { settledAt: number | undefined; families: Promise<Map<string, MetricFamily>> } | undefined
  const families = (): Promise<Map<string, MetricFamily>> => {
    if (cached && (cached.settledAt === undefined || Date.now() - cached.settledAt < snapshotMs)) return cached.families
    const entry: { settledAt: number | undefined; families: Promise<Map<string, MetricFamily>> } = {
      settledAt: undefined,
      families: kit.monitor.metrics().then((snapshot) => {
        const byName = new Map(metricFamilies(snapshot).map((family) => [family.name, family]))
        for (const family of byName.values()) ensure(family)
        entry.settledAt = Date.now()
        return byName
      }),
    }
    entry.families.catch(() => {
      if (cached === entry) cached = undefined
    })
    cached = entry
    return entry.families
  }

  const registered = new Map<string, Counter | Gauge | Histogram>()
  const ensure = (family: MetricFamily) => {
    // The snapshot's histogram is replaced by a live one below.
    if (registered.has(family.name) || family.type === 'histogram') return
    const name = family.name
    const common = { name, help: family.help, labelNames: [...family.labelNames], registers: [registry] }
    const metric =
      family.type === 'counter'
        ? new Counter({
            ...common,
            async collect() {
              const current = (await families()).get(name)
              this.reset()
              for (const sample of current?.samples ?? []) this.inc(sample.labels, sample.value)
            },
          })
        : new Gauge({
            ...common,
            async collect() {
              const current = (await families()).get(name)
              this.reset()
              for (const sample of current?.samples ?? []) this.set(sample.labels, sample.value)
            },
          })
    registered.set(name, metric)
  }

  const driverHistogram = new Histogram({
    name: 'cachekit_driver_call_duration_seconds',
    help: 'Driver call latency seen by the client.',
    labelNames: ['method', 'outcome'],
    buckets: [...(options.driverBuckets ?? DRIVER_BUCKETS)],
    registers: [registry],
  })
  registered.set('cachekit_driver_call_duration_seconds', driverHistogram)
  const loaderHistogram = new Histogram({
    name: 'cachekit_loader_duration_seconds',
    help: 'Loader (your data source) duration per key family.',
    labelNames: ['family'],
    buckets: [...(options.loaderBuckets ?? LOADER_BUCKETS)],
    registers: [registry],
  })
  registered.set('cachekit_loader_duration_seconds', loaderHistogram)
  // Families come from input (a plain key's first segment): their label values are bounded.
  const loaderFamilies = new FamilyTable<{ labels: { family: string } }>({
    create: (family) => ({ labels: { family } }),
    merge: (_other, evicted) => loaderHistogram.remove(evicted.labels),
    maxFamilies: options.maxFamilies ?? FAMILY_TABLE_DEFAULTS.maxFamilies,
  })
  const stops = [
    kit.monitor.onDriverCall((method, durationMs, error) =>
      driverHistogram.observe({ method, outcome: error === undefined ? 'ok' : 'error' }, durationMs / 1000),
    ),
    kit.events.on('load', (event) => loaderHistogram.observe(loaderFamilies.row(event.family).labels, event.durationMs / 1000)),
  ]

  await families()
  return {
    get names() {
      return [...registered.keys()]
    },
    unregister() {
      for (const stop of stops) stop()
      for (const name of registered.keys()) registry.removeSingleMetric(name)
      registered.clear()
    },
  }
}
