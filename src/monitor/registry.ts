/**
 * Metrics that features register (rate limits, locks, counters, your own): each one is
 * a named set of labelled numbers read on demand, so registering costs nothing until
 * someone asks for `kit.monitor.metrics()` or a Prometheus scrape.
 */
import { ValidationError } from '../core/errors/index.js'

/** One labelled value. */
export interface MetricSample {
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** A metric a feature registers with `kit.monitor.register()`. */
export interface FeatureMetric {
  /**
   * Prometheus-style name: `[a-zA-Z_:][a-zA-Z0-9_:]*`; counters end in `_total`.
   * @example 'cachekit_ratelimit_requests_total'
   */
  readonly name: string
  /** One line saying what it counts. */
  readonly help: string
  /** `counter`: only ever grows (since the process started). `gauge`: goes up and down. */
  readonly type: 'counter' | 'gauge'
  /** The label names every sample carries. */
  readonly labelNames: readonly string[]
  /** Reads the current values. Called on every `metrics()`; keep it cheap and synchronous. */
  collect(): readonly MetricSample[]
}

/** What `kit.monitor.metrics()` reports for a registered metric. */
export interface FeatureMetricSnapshot {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge'
  readonly labelNames: readonly string[]
  readonly samples: readonly MetricSample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** The metrics registered on one kit. */
export class MetricsRegistry {
  private readonly metrics = new Map<string, FeatureMetric>()

  /**
   * Registers a metric; returns a function that removes it.
   * @throws {ValidationError} for a malformed name or label, or a name already taken.
   */
  register(metric: FeatureMetric): () => void {
    if (typeof metric !== 'object' || metric === null || typeof metric.collect !== 'function')
      throw new ValidationError('a metric needs name, help, type, labelNames and collect()')
    if (!NAME.test(metric.name)) throw new ValidationError(`metric name ${JSON.stringify(metric.name)} must match ${NAME}`)
    if (metric.type !== 'counter' && metric.type !== 'gauge')
      throw new ValidationError(`metric ${metric.name}: type must be 'counter' or 'gauge'`)
    for (const label of metric.labelNames) {
      if (!LABEL.test(label) || label.startsWith('__'))
        throw new ValidationError(`metric ${metric.name}: label ${JSON.stringify(label)} must match ${LABEL} and not start with __`)
    }
    if (this.metrics.has(metric.name)) throw new ValidationError(`metric ${metric.name} is already registered`)
    this.metrics.set(metric.name, metric)
    return () => {
      if (this.metrics.get(metric.name) === metric) this.metrics.delete(metric.name)
    }
  }

  /** Reads every registered metric. A metric whose collect() throws is reported empty. */
  collect(): FeatureMetricSnapshot[] {
    return [...this.metrics.values()].map((metric) => {
      let samples: readonly MetricSample[]
      try {
        samples = metric.collect()
      } catch {
        samples = []
      }
      return { name: metric.name, help: metric.help, type: metric.type, labelNames: [...metric.labelNames], samples }
    })
  }
}
