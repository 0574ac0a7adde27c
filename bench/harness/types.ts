/** The shape of bench/results/<scenario>.json: what render.ts turns into docs/benchmarks.md. */

/** Where and with what one run measured. */
export interface RunInfo {
  /** ISO time the scenario started. */
  startedAt: string
  /** The command that reproduces it. */
  command: string
  /** The cachekit commit measured (git HEAD, or BENCH_COMMIT when run from an exported tree). */
  commit: string
  node: string
  platform: string
  cpuModel: string
  cores: number
  /** `os.loadavg()` before and after the scenario: how quiet the machine was. */
  loadBefore: number[]
  loadAfter: number[]
  redisVersion: string
  rounds: number
  roundMs: number
  /** Versions of every library measured, from their package.json. */
  versions: Record<string, string>
}

export type MetricFormat = 'ops' | 'us' | 'ms' | 'ratio' | 'int' | 'bytes' | 'cmds' | 'cpu'

/** A column of a group's table. */
export interface Column {
  metric: string
  label: string
  format: MetricFormat
}

/** One library (or baseline) in one group. */
export interface RowResult {
  id: string
  label: string
  /** npm package whose version is printed, or '' for a baseline written here. */
  library: string
  version: string
  kind: 'cachekit' | 'peer' | 'baseline'
  metrics: Record<string, number | null>
  /** Per-round ops/s, in round order (interleaved with the other rows). */
  rounds?: number[]
  /** Redis commands executed per operation (INFO commandstats, scripts' inner commands included), by name. */
  commands?: Record<string, number>
  /** Commands clients sent per operation (MONITOR pass, scripts' inner commands excluded), by name. */
  sent?: Record<string, number>
  /** Set when the row could not be measured, with the reason. */
  pending?: string
}

/** A table and a chart section: rows measured side by side under the same conditions. */
export interface GroupResult {
  id: string
  title: string
  description: string
  /** Row id that `ratio` is computed against. */
  baseline?: string
  columns: Column[]
  /** The metric drawn in the scenario's chart. */
  chart?: { metric: string; label: string; format: MetricFormat; higherIsBetter: boolean }
  rows: RowResult[]
}

/** A target from the issue, checked against this run. */
export interface TargetResult {
  description: string
  target: string
  measured: string
  /** null: not measurable in this run (feature not built yet); 'report': a figure the issue asks to report, with no threshold. */
  met: boolean | null | 'report'
}

export interface ScenarioResult {
  name: string
  title: string
  description: string
  status: 'measured' | 'pending'
  pendingReason?: string
  run: RunInfo
  groups: GroupResult[]
  targets: TargetResult[]
  notes: string[]
}
