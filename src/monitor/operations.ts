/**
 * Wires the operations features into a kit in the order `createCachekit` needs them:
 * measure the driver first (inside the breaker, so latency is the server's), then the
 * guard (the cache consults it before writes), then the monitor (it reads the cache).
 */
import type { FamilyStats } from '../cache/stats.js'
import type { Emitter } from '../core/events.js'
import type { Driver } from '../drivers/driver.js'
import type { CircuitState } from '../drivers/resilient.js'
import { MemoryGuard } from '../guard/memory-guard.js'
import { resolveGuardOptions, type GuardOptions, type ResolvedGuardOptions } from '../guard/options.js'
import { familiesOf, type FamilyInfo } from '../keys/classify-key.js'
import type { Namespace } from '../keys/namespace.js'
import { DriverMeasurements, measuredDriver } from './driver-measurements.js'
import {
  resolveHealthThresholds,
  type BusHealth,
  type HealthThresholds,
  type PendingInvalidations,
  type ResolvedHealthThresholds,
} from './health.js'
import type { NoteworthyEvents } from './event-log.js'
import { Monitor } from './monitor.js'

/** The kit options the operations features read. */
export interface OperationsOptions {
  keys?: unknown
  guard?: boolean | GuardOptions
  health?: HealthThresholds
}

export class Operations {
  readonly measurements = new DriverMeasurements()
  private readonly families: readonly FamilyInfo[]
  private readonly guardOptions: ResolvedGuardOptions
  private readonly guardRuns: boolean
  private readonly thresholds: ResolvedHealthThresholds

  /** Checks the options. @throws {ValidationError} */
  constructor(options: OperationsOptions) {
    this.families = familiesOf(options.keys)
    this.guardRuns = options.guard !== undefined && options.guard !== false
    this.guardOptions = resolveGuardOptions(typeof options.guard === 'object' ? options.guard : {})
    this.thresholds = resolveHealthThresholds(options.health)
  }

  /** The user's driver, timed and counted. */
  measure(driver: Driver): Driver {
    return measuredDriver(driver, this.measurements)
  }

  /** The guard; its timer runs when the `guard` option was given and the kit is enabled. */
  createGuard(driver: Driver, namespace: Namespace, enabled: boolean): MemoryGuard {
    const guard = new MemoryGuard({ driver, namespace, families: this.families }, this.guardOptions)
    if (this.guardRuns && enabled) guard.start()
    return guard
  }

  /** The monitor. */
  createMonitor(context: {
    driver: Driver
    namespace: Namespace
    cache: { stats(): Record<string, FamilyStats> }
    events: Emitter<NoteworthyEvents>
    guard: MemoryGuard
    circuit: () => CircuitState
    bus: () => BusHealth | undefined
    invalidations: () => PendingInvalidations
  }): Monitor {
    return new Monitor({
      ...context,
      families: this.families,
      budgetBytes: this.guardOptions.budgetBytes,
      measurements: this.measurements,
      thresholds: this.thresholds,
    })
  }
}
