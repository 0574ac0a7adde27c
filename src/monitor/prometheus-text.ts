/**
 * Prometheus text exposition format (version 0.0.4), written by hand so the core needs
 * no prom-client: `GET /metrics/prometheus` of the admin handler serves it.
 */
import type { MetricFamily } from './metric-families.js'

/** The Content-Type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * Formats metric families. Families without samples are left out.
 *
 * @example formatPrometheus(metricFamilies(await kit.monitor.metrics()))
 */
export function formatPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = []
  for (const family of families) {
    if (family.samples.length === 0) continue
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`)
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels)
      const labelText = labels.length === 0 ? '' : `{${labels.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`
      lines.push(`${family.name}${sample.suffix ?? ''}${labelText} ${formatValue(sample.value)}`)
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`
}

function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')
}

function escapeLabel(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}
