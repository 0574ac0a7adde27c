/**
 * Turns failures into events a log can afford. During an outage every request fails over
 * to its loader, and one `degraded` event per request is a flood (25 lines a second in a
 * small app). So the driver's state is followed from its calls: the first infrastructure
 * failure (a timeout, a lost connection) starts an outage (`outage: started`, and one
 * `degraded` naming it); while it lasts, further `degraded` reports are only counted; the
 * first call that succeeds ends it (`outage: ended`, with the counts and how long it
 * lasted). Failures that are not outages (a refused command such as OOM or WRONGTYPE) are
 * reported as `degraded`, at most once a second per operation and error code, each saying
 * how many like it were held back since the last.
 */
import { CommandError, DriverClosedError, DriverError } from '../core/errors/index.js'

/** What a feature reports when it answered without the driver. */
export interface DegradedReport {
  readonly key?: string
  readonly family?: string
  readonly operation: string
  readonly error: unknown
  /** Reports like this one (same operation and error code) held back since the last one emitted. */
  readonly suppressed?: number
}

/** The payload of the `outage` event. */
export type OutageEvent =
  | {
      readonly state: 'started'
      /** Epoch ms. */
      readonly at: number
      /** The driver call that failed first. */
      readonly operation: string
      readonly error: unknown
    }
  | {
      readonly state: 'ended'
      readonly at: number
      readonly durationMs: number
      /** Driver calls that failed for infrastructure reasons during the outage. */
      readonly failedCalls: number
      /** Answers given without the driver (`degraded` reports), by operation. */
      readonly degraded: Readonly<Record<string, number>>
    }

/** The events the outage reporter lets through (part of the kit's events). */
export interface OutageEvents {
  /**
   * The driver failed and a feature answered without it (fail open), or a write was
   * dropped. During an outage only its first failure is reported (the rest are counted in
   * `outage: ended`); outside one, at most one per operation and error code a second, with
   * `suppressed` saying how many like it were held back.
   */
  degraded: DegradedReport
  /** The driver went away (the first timeout or lost connection) or came back (the first success after). */
  outage: OutageEvent
}

/** Where the reporter sends what it lets through. */
export interface OutageSink {
  degraded(report: DegradedReport): void
  outage(event: OutageEvent): void
}

/** Outside an outage, one `degraded` per operation and error code per this many ms. */
const THROTTLE_MS = 1_000
/** Throttle keys kept: operations and error codes are few; past this the table starts over. */
const MAX_THROTTLE_KEYS = 256

interface Outage {
  readonly startedAt: number
  failedCalls: number
  readonly degraded: Map<string, number>
}

export class OutageReporter {
  private outage: Outage | undefined
  private readonly throttle = new Map<string, { at: number; held: number }>()

  constructor(private readonly sink: OutageSink) {}

  /** True while an outage lasts. */
  get active(): boolean {
    return this.outage !== undefined
  }

  /** The outcome of one driver call: `error` undefined for a success. */
  observe(operation: string, error: unknown): void {
    if (error === undefined) {
      if (this.outage !== undefined) this.end()
      return
    }
    if (!isOutage(error)) return
    if (this.outage === undefined) this.start(operation, error)
    ;(this.outage as Outage).failedCalls++
  }

  /** A feature answered without the driver. */
  degraded(report: DegradedReport): void {
    if (isOutage(report.error)) {
      if (this.outage === undefined) this.start(report.operation, report.error)
      const outage = this.outage as Outage
      const first = outage.degraded.size === 0
      outage.degraded.set(report.operation, (outage.degraded.get(report.operation) ?? 0) + 1)
      if (first) this.send(() => this.sink.degraded(report))
      return
    }
    const key = `${report.operation}\u0000${errorCode(report.error)}`
    const now = Date.now()
    const last = this.throttle.get(key)
    if (last !== undefined && now - last.at < THROTTLE_MS) {
      last.held++
      return
    }
    if (this.throttle.size >= MAX_THROTTLE_KEYS) this.throttle.clear()
    this.throttle.set(key, { at: now, held: 0 })
    const suppressed = last?.held ?? 0
    this.send(() => this.sink.degraded(suppressed > 0 ? { ...report, suppressed } : report))
  }

  private start(operation: string, error: unknown): void {
    const at = Date.now()
    this.outage = { startedAt: at, failedCalls: 0, degraded: new Map() }
    this.send(() => this.sink.outage({ state: 'started', at, operation, error }))
  }

  private end(): void {
    const outage = this.outage as Outage
    this.outage = undefined
    const at = Date.now()
    const degraded = Object.fromEntries(outage.degraded)
    this.send(() => this.sink.outage({ state: 'ended', at, durationMs: at - outage.startedAt, failedCalls: outage.failedCalls, degraded }))
  }

  private send(emit: () => void): void {
    try {
      emit()
    } catch {
      // A listener's failure must never break a storage call.
    }
  }
}

/** Timeouts, lost connections and an open circuit: the server is away, not refusing. */
function isOutage(error: unknown): boolean {
  return error instanceof DriverError && !(error instanceof CommandError) && !(error instanceof DriverClosedError)
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : error instanceof Error ? error.name : typeof error
}
