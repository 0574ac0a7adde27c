/**
 * `kit.monitor.health()`: one answer to "is the cache OK?", with the reasons. Thresholds default
 * to the reference plans' alert lines and are all configurable.
 */
import { ValidationError } from '../core/errors/index.js'
import type { CircuitState } from '../drivers/resilient.js'
import type { GuardState } from '../guard/memory-guard.js'
import type { MemoryUsage } from '../guard/memory-usage.js'

/** Alert lines of `kit.monitor.health()` (`createCachekit({ health })`). */
export interface HealthThresholds {
  /**
   * Memory usage (fraction of maxmemory or the guard's budget) above which health warns.
   * @default 0.85
   */
  memory?: number
  /**
   * Cache hit rate (over all families, since start) below which health warns.
   * @default 0.7
   */
  hitRate?: number
  /**
   * p99 of recent driver call latencies, in ms, above which health warns.
   * @default 100
   */
  p99LatencyMs?: number
  /**
   * Share of recent driver calls failing (timeouts, connection errors) above which health warns.
   * @default 0.01
   */
  errorRate?: number
  /**
   * Reads needed before the hit rate is judged (a fresh process has no meaningful rate).
   * @default 100
   */
  minReads?: number
  /**
   * Driver calls needed before latency and error rate are judged.
   * @default 100
   */
  minCalls?: number
}

export const HEALTH_DEFAULTS = Object.freeze({
  memory: 0.85,
  hitRate: 0.7,
  p99LatencyMs: 100,
  errorRate: 0.01,
  minReads: 100,
  minCalls: 100,
})

export type ResolvedHealthThresholds = Readonly<Required<HealthThresholds>>

/** Applies defaults and checks each threshold. @throws {ValidationError} */
export function resolveHealthThresholds(thresholds: HealthThresholds = {}): ResolvedHealthThresholds {
  const resolved = { ...HEALTH_DEFAULTS, ...thresholds }
  for (const name of ['memory', 'hitRate', 'errorRate'] as const) {
    const value = resolved[name]
    if (!(typeof value === 'number' && value >= 0 && value <= 1))
      throw new ValidationError(`health.${name} must be a fraction between 0 and 1, got ${String(value)}`)
  }
  for (const name of ['p99LatencyMs', 'minReads', 'minCalls'] as const) {
    const value = resolved[name]
    if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0))
      throw new ValidationError(`health.${name} must be a non-negative number, got ${String(value)}`)
  }
  return Object.freeze(resolved)
}

/** One finding. `critical` makes the kit unhealthy; `warning` makes it degraded. */
export interface HealthIssue {
  readonly check: 'ping' | 'circuit' | 'bus' | 'invalidations' | 'memory' | 'guard' | 'hit-rate' | 'latency' | 'error-rate' | 'config'
  readonly severity: 'warning' | 'critical'
  readonly message: string
  readonly value?: number
  readonly threshold?: number
}

/** The cache bus as health reports it. */
export interface BusHealth {
  /** `active` while subscribed; `subscribing` (retried with backoff), `interrupted`, `idle` or `closed` otherwise. */
  readonly state: 'idle' | 'subscribing' | 'active' | 'interrupted' | 'closed'
  /** When it entered this state (epoch ms). */
  readonly since: number
  /** How many times delivery was interrupted since the kit started. */
  readonly interruptions: number
  /** Well-formed messages received from other instances. */
  readonly received: number
  /** Malformed messages dropped: something other than cachekit publishes on the bus channel. */
  readonly dropped: number
  /** Why the last subscribe attempt failed (an error code); null once one succeeded. */
  readonly lastError: string | null
}

/** Invalidations that failed to reach the driver and wait in the outbox to be sent again. */
export interface PendingInvalidations {
  /** Keys whose delete waits. */
  readonly keys: number
  /** Tags whose invalidation waits. */
  readonly tags: number
  /** Dropped because more failed than the outbox keeps, since the kit started. */
  readonly dropped: number
}

/** What `kit.monitor.health()` answers. */
export interface HealthReport {
  /** `unhealthy` with any critical issue, `degraded` with warnings only, else `healthy`. */
  readonly status: 'healthy' | 'degraded' | 'unhealthy'
  /** ISO time of the check. */
  readonly checkedAt: string
  readonly driver: {
    readonly name: string
    /** `redis 7.2.4`, from INFO server; null when unknown. */
    readonly server: string | null
    /** PING round trip in ms; null when the ping failed. */
    readonly pingMs: number | null
  }
  readonly circuit: CircuitState
  /** The cache bus; null when the driver has no pub/sub. */
  readonly bus: BusHealth | null
  readonly invalidations: PendingInvalidations
  readonly guard: GuardState
  readonly memory: Pick<MemoryUsage, 'usedBytes' | 'limitBytes' | 'ratio' | 'limitSource' | 'policy' | 'node'> | null
  /** Cache hit rate over all families; null before `minReads` reads. */
  readonly hitRate: number | null
  readonly reads: number
  /** Recent driver calls (client-side): p50/p99 in ms, error rate, and how many calls. */
  readonly latency: { readonly p50Ms: number; readonly p99Ms: number; readonly calls: number }
  readonly errorRate: number | null
  readonly issues: readonly HealthIssue[]
}

/** What the health check is computed from. */
export interface HealthInputs {
  readonly driverName: string
  readonly server: string | null
  readonly ping: { ok: true; ms: number } | { ok: false; error: string }
  readonly circuit: CircuitState
  readonly bus: BusHealth | null
  readonly invalidations: PendingInvalidations
  readonly guard: GuardState
  readonly memory: MemoryUsage | null
  readonly reads: number
  readonly hits: number
  readonly recent: { readonly calls: number; readonly errors: number; readonly p50Ms: number; readonly p99Ms: number }
  readonly configWarnings: readonly { readonly message: string }[]
}

/** Judges the inputs against the thresholds. Pure: the Monitor gathers the inputs. */
export function judgeHealth(inputs: HealthInputs, thresholds: ResolvedHealthThresholds, now = Date.now()): HealthReport {
  const issues: HealthIssue[] = []
  if (!inputs.ping.ok)
    issues.push({ check: 'ping', severity: 'critical', message: `the server does not answer PING (${inputs.ping.error})` })
  if (inputs.circuit === 'open')
    issues.push({ check: 'circuit', severity: 'critical', message: 'the circuit breaker is open: calls skip the server until it recovers' })
  if (inputs.circuit === 'half-open')
    issues.push({ check: 'circuit', severity: 'warning', message: 'the circuit breaker is probing whether the server is back' })
  const bus = inputs.bus
  // A bus still making its first attempt is booting, not failing.
  if (bus !== null && (bus.state === 'interrupted' || (bus.state === 'subscribing' && bus.lastError !== null))) {
    issues.push({
      check: 'bus',
      severity: 'warning',
      message: `the cache bus is ${bus.state} since ${new Date(bus.since).toISOString()}: this process keeps no L1 copies and does not hear other instances' writes`,
    })
  }
  const waiting = inputs.invalidations
  if (waiting.keys > 0 || waiting.tags > 0) {
    issues.push({
      check: 'invalidations',
      severity: 'warning',
      message: `${waiting.keys} delete(s) and ${waiting.tags} tag invalidation(s) wait for the driver; this process treats them as done, other processes serve the old entries until they are sent`,
    })
  }
  const ratio = inputs.memory?.ratio ?? null
  if (ratio !== null && ratio > thresholds.memory) {
    issues.push({
      check: 'memory',
      severity: 'warning',
      message: `memory at ${pct(ratio)} of the limit (alert above ${pct(thresholds.memory)})`,
      value: ratio,
      threshold: thresholds.memory,
    })
  }
  if (inputs.guard === 'critical')
    issues.push({
      check: 'guard',
      severity: 'critical',
      message: 'the memory guard is critical: only high-priority writes go through, low-priority families are evicted',
    })
  if (inputs.guard === 'warn')
    issues.push({
      check: 'guard',
      severity: 'warning',
      message: 'the memory guard is in warn: writes of low-priority families are skipped',
    })
  const hitRate = inputs.reads >= thresholds.minReads && inputs.reads > 0 ? inputs.hits / inputs.reads : null
  if (hitRate !== null && hitRate < thresholds.hitRate) {
    issues.push({
      check: 'hit-rate',
      severity: 'warning',
      message: `hit rate ${pct(hitRate)} is below ${pct(thresholds.hitRate)}`,
      value: hitRate,
      threshold: thresholds.hitRate,
    })
  }
  const judged = inputs.recent.calls >= thresholds.minCalls && inputs.recent.calls > 0
  if (judged && inputs.recent.p99Ms > thresholds.p99LatencyMs) {
    issues.push({
      check: 'latency',
      severity: 'warning',
      message: `p99 driver latency ${inputs.recent.p99Ms.toFixed(1)} ms is above ${thresholds.p99LatencyMs} ms`,
      value: inputs.recent.p99Ms,
      threshold: thresholds.p99LatencyMs,
    })
  }
  const errorRate = judged ? inputs.recent.errors / inputs.recent.calls : null
  if (errorRate !== null && errorRate > thresholds.errorRate) {
    issues.push({
      check: 'error-rate',
      severity: 'warning',
      message: `${pct(errorRate)} of recent driver calls failed (alert above ${pct(thresholds.errorRate)})`,
      value: errorRate,
      threshold: thresholds.errorRate,
    })
  }
  for (const warning of inputs.configWarnings) issues.push({ check: 'config', severity: 'warning', message: warning.message })
  const status = issues.some((issue) => issue.severity === 'critical') ? 'unhealthy' : issues.length > 0 ? 'degraded' : 'healthy'
  const memory = inputs.memory
  return {
    status,
    checkedAt: new Date(now).toISOString(),
    driver: { name: inputs.driverName, server: inputs.server, pingMs: inputs.ping.ok ? inputs.ping.ms : null },
    circuit: inputs.circuit,
    bus: inputs.bus,
    invalidations: inputs.invalidations,
    guard: inputs.guard,
    memory: memory && {
      usedBytes: memory.usedBytes,
      limitBytes: memory.limitBytes,
      ratio: memory.ratio,
      limitSource: memory.limitSource,
      policy: memory.policy,
      node: memory.node,
    },
    hitRate,
    reads: inputs.reads,
    latency: { p50Ms: inputs.recent.p50Ms, p99Ms: inputs.recent.p99Ms, calls: inputs.recent.calls },
    errorRate,
    issues,
  }
}

function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`
}
