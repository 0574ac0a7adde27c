/** Number formatting shared by the console report and the rendered markdown. */
import type { MetricFormat } from './types.js'

export function formatMetric(value: number | null | undefined, format: MetricFormat): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–'
  switch (format) {
    case 'ops':
      return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : value >= 1e3 ? `${(value / 1e3).toFixed(1)}k` : value.toFixed(0)
    case 'us':
      return value >= 1000 ? `${(value / 1000).toFixed(2)} ms` : value >= 10 ? `${value.toFixed(0)} µs` : `${value.toFixed(2)} µs`
    case 'cpu':
      return value >= 10 ? `${value.toFixed(0)} µs` : `${value.toFixed(2)} µs`
    case 'ms':
      return `${value.toFixed(1)} ms`
    case 'ratio':
      return `${value.toFixed(2)}×`
    case 'int':
      return Math.round(value).toLocaleString('en')
    case 'bytes':
      return value >= 10_000 ? `${(value / 1024).toFixed(1)} KiB` : `${Math.round(value).toLocaleString('en')} B`
    case 'cmds':
      return value.toFixed(2)
  }
}
