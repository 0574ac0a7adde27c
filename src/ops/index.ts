// cachekit/ops: operations tooling around a kit. The admin handler (health, metrics,
// dashboard, invalidation over HTTP), what `kit.monitor` and `kit.guard` answer, the
// Prometheus text format without prom-client (cachekit/prometheus registers with
// prom-client; cachekit/otel traces), driver call measurements, INFO parsing, and units.
// Edge-safe: nothing here imports a `node:` module.

// The admin handler
export { createAdminHandler, redact, type AdminHandler, type AdminHandlerOptions, type AdminKit } from '../admin/index.js'

// kit.monitor: health, metrics, slow log, key distribution
export {
  HEALTH_DEFAULTS,
  KEY_DISTRIBUTION_DEFAULTS,
  type FamilyDistribution,
  type FeatureMetric,
  type FeatureMetricSnapshot,
  type HealthIssue,
  type HealthReport,
  type KeyDistribution,
  type KeyDistributionOptions,
  type LoggedEvent,
  type MetricSample,
  type MetricsSnapshot,
  type Monitor,
  type SlowlogEntry,
  type SlowlogReport,
} from '../monitor/index.js'

// kit.guard: the memory guard
export {
  GUARD_DEFAULTS,
  formatBytes,
  parseBytes,
  type ConfigWarning,
  type EvictionReport,
  type GuardEvents,
  type GuardReport,
  type GuardState,
  type GuardStatus,
  type MemoryGuard,
  type MemoryUsage,
} from '../guard/index.js'

// Prometheus text, without prom-client
export { PROMETHEUS_CONTENT_TYPE, formatPrometheus, metricFamilies, type FamilySample, type MetricFamily } from '../monitor/index.js'

// Driver measurements and server figures
export { DriverMeasurements, LATENCY_BUCKETS_MS, measuredDriver, type DriverCallStats } from '../monitor/index.js'
export { parseInfo, serverMetrics, type InfoNode, type NodeMetrics, type ServerMetrics } from '../monitor/index.js'

// Units
export { formatDuration } from '../keys/index.js'
export { parseDuration } from '../core/duration.js'
