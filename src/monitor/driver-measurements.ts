/**
 * Client-side latency and error counts of every driver call: the figures health judges
 * (p99 latency, error rate) and Prometheus exports. Bounded memory: a ring of recent
 * samples plus cumulative counters and one fixed-bucket histogram.
 */
import { CommandError, DriverClosedError, DriverError } from '../core/errors/index.js'
import type { Driver } from '../drivers/driver.js'
import { wrapDriver } from './wrap-driver.js'

/** Histogram bucket bounds, in ms (the last bucket is +Inf). */
export const LATENCY_BUCKETS_MS = Object.freeze([0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500])

/** A snapshot of driver call figures. */
export interface DriverCallStats {
  /** Calls since the kit started. */
  readonly calls: number
  /** Calls that failed because of the server or the network (timeouts, connection errors; not refused commands). */
  readonly errors: number
  /** Over the recent window (see `window`). */
  readonly recent: {
    readonly calls: number
    readonly errors: number
    readonly errorRate: number
    readonly p50Ms: number
    readonly p99Ms: number
    readonly maxMs: number
  }
  /** Per method: calls and errors since start. */
  readonly byCommand: Readonly<Record<string, { readonly calls: number; readonly errors: number }>>
  /** Cumulative latency histogram: `counts[i]` calls took at most `bucketsMs[i]` (not cumulative per bucket); the last entry counts the rest. */
  readonly histogram: {
    readonly bucketsMs: readonly number[]
    readonly counts: readonly number[]
    readonly sumMs: number
    readonly count: number
  }
}

/** Listener for each finished driver call. */
export type DriverCallListener = (method: string, durationMs: number, error: unknown) => void

const WINDOW = 1024

/** Records the calls of one driver. */
export class DriverMeasurements {
  private calls = 0
  private errors = 0
  private readonly byCommand = new Map<string, { calls: number; errors: number }>()
  private readonly durations = new Float64Array(WINDOW)
  private readonly failures = new Uint8Array(WINDOW)
  private filled = 0
  private next = 0
  private readonly buckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0)
  private sumMs = 0
  private readonly listeners = new Set<DriverCallListener>()

  /** Records one call. `error` is undefined for a success. */
  record(method: string, durationMs: number, error: unknown): void {
    const failed = error !== undefined && countsAsFailure(error)
    this.calls++
    if (failed) this.errors++
    let entry = this.byCommand.get(method)
    if (!entry) {
      entry = { calls: 0, errors: 0 }
      this.byCommand.set(method, entry)
    }
    entry.calls++
    if (failed) entry.errors++
    this.durations[this.next] = durationMs
    this.failures[this.next] = failed ? 1 : 0
    this.next = (this.next + 1) % WINDOW
    if (this.filled < WINDOW) this.filled++
    let bucket = 0
    while (bucket < LATENCY_BUCKETS_MS.length && durationMs > (LATENCY_BUCKETS_MS[bucket] as number)) bucket++
    this.buckets[bucket] = (this.buckets[bucket] as number) + 1
    this.sumMs += durationMs
    if (this.listeners.size === 0) return
    for (const listener of this.listeners) {
      try {
        listener(method, durationMs, error)
      } catch {
        // A metrics listener must never break a storage call.
      }
    }
  }

  /** Calls `listener` after every driver call; returns a function that unsubscribes. */
  onCall(listener: DriverCallListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  snapshot(): DriverCallStats {
    const recent = Array.from(this.durations.subarray(0, this.filled)).sort((a, b) => a - b)
    const at = (q: number) => (recent.length === 0 ? 0 : (recent[Math.min(recent.length - 1, Math.floor(q * recent.length))] as number))
    let recentErrors = 0
    for (let i = 0; i < this.filled; i++) recentErrors += this.failures[i] as number
    return {
      calls: this.calls,
      errors: this.errors,
      recent: {
        calls: this.filled,
        errors: recentErrors,
        errorRate: this.filled === 0 ? 0 : recentErrors / this.filled,
        p50Ms: at(0.5),
        p99Ms: at(0.99),
        maxMs: recent.length === 0 ? 0 : (recent[recent.length - 1] as number),
      },
      byCommand: Object.fromEntries([...this.byCommand].map(([name, entry]) => [name, { ...entry }])),
      histogram: { bucketsMs: LATENCY_BUCKETS_MS, counts: [...this.buckets], sumMs: this.sumMs, count: this.calls },
    }
  }
}

/**
 * Wraps `driver` so every call is timed and counted in `measurements`.
 *
 * @example
 * const measurements = new DriverMeasurements()
 * const driver = measuredDriver(ioredisDriver({ url }), measurements)
 */
export function measuredDriver<D extends Driver>(driver: D, measurements: DriverMeasurements): D {
  // Plain promise callbacks rather than async/await: one microtask less on every call.
  return wrapDriver(driver, (method, _args, call) => {
    const started = performance.now()
    return call().then(
      (result) => {
        measurements.record(method, performance.now() - started, undefined)
        return result
      },
      (error: unknown) => {
        measurements.record(method, performance.now() - started, error)
        throw error
      },
    )
  })
}

/** Server or network failures count; a refused command, bad input or a closed driver say nothing about health. */
function countsAsFailure(error: unknown): boolean {
  return error instanceof DriverError && !(error instanceof CommandError) && !(error instanceof DriverClosedError)
}
