export { registerCachekitMetrics, type PrometheusKit, type PrometheusOptions, type RegisteredMetrics } from './register-metrics.js'
