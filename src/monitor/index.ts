export { Monitor, cacheTotals, type MetricsSnapshot, type MonitorContext } from './monitor.js'
export {
  HEALTH_DEFAULTS,
  judgeHealth,
  resolveHealthThresholds,
  type HealthIssue,
  type HealthReport,
  type HealthThresholds,
} from './health.js'
export {
  DriverMeasurements,
  LATENCY_BUCKETS_MS,
  measuredDriver,
  type DriverCallListener,
  type DriverCallStats,
} from './driver-measurements.js'
export { wrapDriver, type DriverInterceptor } from './wrap-driver.js'
export { parseInfo, parseKeyspace, infoField, infoNumber, type InfoNode, type KeyspaceEntry } from '../drivers/info.js'
export { serverMetrics, type NodeMetrics, type ServerMetrics } from './server-metrics.js'
export {
  KEY_DISTRIBUTION_DEFAULTS,
  type FamilyDistribution,
  type KeyDistribution,
  type KeyDistributionOptions,
} from './key-distribution.js'
export type { SlowlogEntry, SlowlogReport } from './slowlog.js'
export type { FeatureMetric, FeatureMetricSnapshot, MetricSample } from './registry.js'
export type { LoggedEvent } from './event-log.js'
export { metricFamilies, type FamilySample, type MetricFamily } from './metric-families.js'
export { PROMETHEUS_CONTENT_TYPE, formatPrometheus } from './prometheus-text.js'
