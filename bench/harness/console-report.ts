/** Prints a scenario's tables to the terminal as it finishes. */
import { formatMetric } from './format.js'
import type { ScenarioResult } from './types.js'

export function printScenario(result: ScenarioResult, write: (line: string) => void): void {
  write('')
  write(`== ${result.title}${result.status === 'pending' ? ' (pending)' : ''}`)
  if (result.pendingReason) write(`   pending: ${result.pendingReason}`)
  for (const group of result.groups) {
    write(`-- ${group.title}`)
    const header = ['', 'version', ...group.columns.map((column) => column.label)]
    const lines = group.rows.map((row) => [
      row.label,
      row.version,
      ...group.columns.map((column) =>
        row.pending ? (column === group.columns[0] ? 'pending' : '') : formatMetric(row.metrics[column.metric], column.format),
      ),
    ])
    const widths = header.map((_, i) => Math.max(...[header, ...lines].map((line) => (line[i] ?? '').length)))
    for (const line of [header, ...lines])
      write(`   ${line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')}`)
  }
  for (const target of result.targets)
    write(
      `   ${target.met === 'report' ? '[report]' : target.met === null ? '[pending]' : target.met ? '[met]   ' : '[MISSED]'} ${target.description}: target ${target.target}, measured ${target.measured}`,
    )
  for (const note of result.notes) write(`   note: ${note}`)
}
