/**
 * The memory guard: watches how full Redis is and keeps cachekit from filling it.
 *
 * `ok` -> `warn` (writes of low-priority key families are skipped) -> `critical` (only
 * high-priority writes go through, and low-priority families are evicted by SCAN + DEL
 * in bounded batches). Thresholds have hysteresis, every change is an event, and every
 * check leaves a report. A failing Redis never fails the guard: the check reports the
 * error and the state stays where it was.
 */
import { Emitter } from '../core/events.js'
import { FamilyTable } from '../core/family-table.js'
import type { Driver } from '../drivers/driver.js'
import { familiesWithPriority, type FamilyInfo } from '../keys/classify-key.js'
import type { KeyPriority } from '../keys/key-family.js'
import type { Namespace } from '../keys/namespace.js'
import { checkConfiguration, type ConfigWarning } from './configuration.js'
import { evictFamilies, type EvictionReport } from './evict.js'
import { readMemoryUsage, type MemoryUsage } from './memory-usage.js'
import type { ResolvedGuardOptions } from './options.js'

/** The guard's states, from relaxed to strict. */
export type GuardState = 'ok' | 'warn' | 'critical'

/** What one check saw and did. */
export interface GuardReport {
  readonly state: GuardState
  readonly previous: GuardState
  /** Epoch ms. */
  readonly checkedAt: number
  /** Memory of the fullest node; `null` when INFO could not be read. */
  readonly usage: MemoryUsage | null
  /** What eviction did in this check (only in `critical`). */
  readonly eviction: EvictionReport | null
  /** Why the check could not read the server (`code: message`); state was kept. */
  readonly error: string | null
}

/** Counters and the latest findings, for health, metrics and the dashboard. */
export interface GuardStatus {
  readonly state: GuardState
  /** True while the interval timer runs. */
  readonly running: boolean
  readonly lastReport: GuardReport | null
  /** Writes skipped because of the state, per family, since the kit started (at most 100 families, then `(other)`). */
  readonly skippedWrites: Readonly<Record<string, number>>
  /** Keys the guard deleted, per family, since the kit started. */
  readonly evictedKeys: Readonly<Record<string, number>>
  readonly checks: number
  /** Findings of the last configuration check. */
  readonly warnings: readonly ConfigWarning[]
  readonly thresholds: {
    readonly warnAt: number
    readonly criticalAt: number
    readonly hysteresis: number
    readonly budgetBytes: number | null
  }
}

/** Events of `kit.guard.events`. */
export interface GuardEvents {
  /** The state changed. */
  state: { state: GuardState; previous: GuardState; usage: MemoryUsage }
  /** Low-priority families were evicted. */
  evicted: EvictionReport
  /** The configuration check found a problem. */
  warning: ConfigWarning
  /** A check could not read the server. */
  'check-failed': { error: unknown }
}

/** What the guard works on. */
export interface MemoryGuardContext {
  readonly driver: Driver
  readonly namespace: Namespace
  readonly families: readonly FamilyInfo[]
}

const EVICTED_PRIORITIES: readonly KeyPriority[] = ['low']

export class MemoryGuard {
  /** State changes, evictions, configuration warnings, failed checks. */
  readonly events = new Emitter<GuardEvents>()
  private current: GuardState = 'ok'
  private report: GuardReport | null = null
  private warnings_: readonly ConfigWarning[] = []
  // Skipped writes come from any family, plain keys' too: bounded like the cache's stats.
  private readonly skipped = new FamilyTable<{ count: number }>({
    create: () => ({ count: 0 }),
    merge: (other, evicted) => void (other.count += evicted.count),
  })
  // Evictions are only ever of the configured (defineKeys) families: bounded by the configuration.
  private readonly evicted = new Map<string, number>()
  private checks = 0
  private timer: ReturnType<typeof setInterval> | undefined
  private checking: Promise<GuardReport> | undefined
  private queued: Promise<GuardReport> | undefined
  private configuring: Promise<readonly ConfigWarning[]> | undefined
  private stopped = false

  constructor(
    private readonly context: MemoryGuardContext,
    private readonly options: ResolvedGuardOptions,
  ) {}

  /** The current state. */
  get state(): GuardState {
    return this.current
  }

  /**
   * Whether a write of `family` with `priority` may go to Redis now. The cache consults
   * it before every entry write; a refusal is counted per family.
   */
  admit(family: string, priority: KeyPriority): boolean {
    const state = this.current
    if (state === 'ok' || priority === 'high' || (state === 'warn' && priority === 'normal')) return true
    this.skipped.row(family).count++
    return false
  }

  /**
   * Reads INFO, moves between states and, in `critical`, evicts low-priority families.
   * Always reads afresh: a call during a running check waits for it, then runs one more
   * (shared by every call that waited). Never rejects: a failed read is in the report.
   *
   * @example
   * const report = await kit.guard.check()
   * if (report.state !== 'ok') console.warn(report.usage)
   */
  check(): Promise<GuardReport> {
    this.queued ??= (async () => {
      await this.checking
      this.queued = undefined
      const running = this.runCheck().finally(() => {
        if (this.checking === running) this.checking = undefined
      })
      this.checking = running
      return running
    })()
    return this.queued
  }

  /**
   * Checks the server's memory settings and samples cache keys for a missing TTL. Each
   * new finding is also emitted as a `warning` event. Rejects when Redis cannot be read.
   */
  checkConfiguration(): Promise<readonly ConfigWarning[]> {
    this.configuring ??= this.runConfiguration().finally(() => {
      this.configuring = undefined
    })
    return this.configuring
  }

  /** Evicts the low-priority families now, whatever the state. Rejects when Redis fails. */
  async evict(): Promise<EvictionReport> {
    const report = await evictFamilies(
      this.context.driver,
      this.context.namespace,
      familiesWithPriority(this.context.families, EVICTED_PRIORITIES),
      this.options,
    )
    for (const [family, count] of Object.entries(report.byFamily)) this.evicted.set(family, (this.evicted.get(family) ?? 0) + count)
    if (report.total > 0) this.events.emit('evicted', report)
    return report
  }

  /** Counters and latest findings. */
  status(): GuardStatus {
    return {
      state: this.current,
      running: this.timer !== undefined,
      lastReport: this.report,
      skippedWrites: Object.fromEntries(this.skipped.entries().map(([family, row]) => [family, row.count])),
      evictedKeys: Object.fromEntries(this.evicted),
      checks: this.checks,
      warnings: this.warnings_,
      thresholds: {
        warnAt: this.options.warnAt,
        criticalAt: this.options.criticalAt,
        hysteresis: this.options.hysteresis,
        budgetBytes: this.options.budgetBytes ?? null,
      },
    }
  }

  /**
   * Starts checking every `interval` (first check at once, then the configuration
   * check). The timer is unref'd: it never keeps a process alive. Idempotent.
   */
  start(): void {
    if (this.timer !== undefined || this.stopped) return
    // A tick during a slow check is dropped rather than queued behind it.
    const tick = () => {
      if (this.checking === undefined) void this.check()
    }
    this.timer = setInterval(tick, this.options.intervalMs)
    ;(this.timer as { unref?: () => void }).unref?.()
    void this.check().then(() => this.checkConfiguration().catch(() => undefined))
  }

  /** Stops the timer for good (the kit calls it on close). */
  stop(): void {
    this.stopped = true
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  private async runCheck(): Promise<GuardReport> {
    const previous = this.current
    const checkedAt = Date.now()
    this.checks++
    let usage: MemoryUsage
    try {
      usage = await readMemoryUsage(this.context.driver, this.options.budgetBytes)
    } catch (error) {
      this.events.emit('check-failed', { error })
      return this.keep({ state: previous, previous, checkedAt, usage: null, eviction: null, error: describeError(error) })
    }
    const state = nextState(previous, usage.ratio, this.options)
    this.current = state
    if (state !== previous) this.events.emit('state', { state, previous, usage })
    let eviction: EvictionReport | null = null
    let error: string | null = null
    if (state === 'critical') {
      try {
        eviction = await this.evict()
      } catch (evictionError) {
        error = describeError(evictionError)
        this.events.emit('check-failed', { error: evictionError })
      }
    }
    return this.keep({ state, previous, checkedAt, usage, eviction, error })
  }

  private async runConfiguration(): Promise<readonly ConfigWarning[]> {
    const usage = await readMemoryUsage(this.context.driver, this.options.budgetBytes)
    const warnings = await checkConfiguration(
      this.context.driver,
      this.context.namespace,
      this.context.families,
      usage,
      this.options.sampleKeys,
    )
    const known = new Set(this.warnings_.map((warning) => warning.check))
    this.warnings_ = warnings
    for (const warning of warnings) if (!known.has(warning.check)) this.events.emit('warning', warning)
    return warnings
  }

  private keep(report: GuardReport): GuardReport {
    this.report = report
    return report
  }
}

/** The next state for a usage ratio, with hysteresis on the way down. */
export function nextState(
  state: GuardState,
  ratio: number | null,
  thresholds: { warnAt: number; criticalAt: number; hysteresis: number },
): GuardState {
  if (ratio === null) return 'ok'
  const { warnAt, criticalAt, hysteresis } = thresholds
  if (ratio >= criticalAt || (state === 'critical' && ratio >= criticalAt - hysteresis)) return 'critical'
  if (ratio >= warnAt || (state !== 'ok' && ratio >= warnAt - hysteresis)) return 'warn'
  return 'ok'
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message
  }
  return String(error)
}
