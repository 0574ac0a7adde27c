/** Plain-text output of the CLI: aligned tables and human units. */
export { formatBytes } from '../guard/bytes.js'

/** An aligned table; numbers (and `-`) right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))]
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)))
  const numeric = headers.map(
    (_, column) =>
      rows.length > 0 &&
      rows.every((row) => typeof row[column] === 'number' || /^[\d.,%-]+( ?[KMGT]?B| ms| s)?$/.test(String(row[column]))),
  )
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...cells.slice(1).map(line)].join('\n')
}

/** Label/value lines, labels aligned. */
export function facts(pairs: readonly (readonly [string, string | number])[]): string {
  const width = Math.max(...pairs.map(([label]) => label.length))
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')
}

/** `0.873` -> `87.3%`; null -> `-`. */
export function percent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? '-' : `${(ratio * 100).toFixed(1)}%`
}

/** Milliseconds with a sensible precision. */
export function millis(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-'
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`
}
