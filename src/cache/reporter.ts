/**
 * Counting and telling, in one place: hit, miss and load counters per family, the cache's
 * events, and the failure policy (a driver failure is reported and answered without the
 * driver, or rethrown with `onError: 'throw'`).
 */
import { DriverError } from '../core/errors/index.js'
import type { EventSink } from '../core/events.js'
import type { DegradedReport } from '../drivers/outages.js'
import type { Namespace } from '../keys/namespace.js'
import type { CacheEvents, Tier } from './events.js'
import type { Resolved } from './resolve-key.js'
import { CacheStats } from './stats.js'

export class CacheReporter {
  readonly stats = new CacheStats()

  constructor(
    private readonly events: EventSink<CacheEvents>,
    private readonly namespace: Namespace,
    private readonly onDegraded: (report: DegradedReport) => void,
    private readonly onError: 'fail-open' | 'throw',
  ) {}

  /** A hit served from L1 by the hot path, which resolved nothing: `rel` is the key below the namespace. */
  l1Hit(family: string, rel: string): void {
    this.stats.countL1Hit(family)
    if (this.events.has('hit')) this.events.emit('hit', { key: this.namespace.key(rel), family, tier: 'l1' })
  }

  hit(resolved: Resolved, tier: Tier, stale = false): void {
    this.stats.count(resolved.family, stale ? 'staleHits' : 'hits')
    if (tier === 'l1') this.stats.count(resolved.family, 'l1Hits')
    const name = stale ? 'stale-hit' : 'hit'
    if (this.events.has(name)) this.events.emit(name, { key: resolved.full, family: resolved.family, tier })
  }

  miss(resolved: Resolved): void {
    this.stats.count(resolved.family, 'misses')
    if (this.events.has('miss')) this.events.emit('miss', { key: resolved.full, family: resolved.family })
  }

  loaded(resolved: Resolved, durationMs: number): void {
    this.stats.recordLoad(resolved.family, durationMs)
    this.events.emit('load', { key: resolved.full, family: resolved.family, durationMs })
  }

  loadFailed(resolved: Resolved, error: unknown, servedStale: boolean): void {
    this.stats.count(resolved.family, 'loadErrors')
    this.events.emit('load-error', { key: resolved.full, family: resolved.family, error, servedStale })
  }

  written(resolved: Resolved): void {
    this.stats.count(resolved.family, 'sets')
    this.events.emit('set', { key: resolved.full, family: resolved.family })
  }

  deleted(resolved: readonly Resolved[]): void {
    for (const r of resolved) this.stats.count(r.family, 'deletes')
    this.events.emit('delete', { keys: resolved.map((r) => r.full) })
  }

  invalid(resolved: Resolved, reason: 'schema' | 'corrupt', issues?: readonly unknown[]): void {
    this.events.emit(
      'invalid',
      issues === undefined
        ? { key: resolved.full, family: resolved.family, reason }
        : { key: resolved.full, family: resolved.family, reason, issues },
    )
  }

  /** The cache answered without the driver (or dropped a write). */
  degraded(resolved: Resolved | undefined, operation: string, error: unknown): void {
    if (resolved) this.stats.count(resolved.family, 'errors')
    this.onDegraded({ key: resolved?.full, family: resolved?.family, operation, error })
  }

  /**
   * A read failed: a driver failure is reported and the caller answers without the driver;
   * anything else, or any failure under `onError: 'throw'`, is rethrown.
   */
  readFailed(resolved: Resolved, operation: string, error: unknown, policy: 'fail-open' | 'throw' = this.onError): void {
    if (!(error instanceof DriverError) || policy === 'throw') throw error
    this.degraded(resolved, operation, error)
  }

  /** A write or invalidation failed: reported, or rethrown under `onError: 'throw'`. */
  writeFailed(resolved: Resolved | undefined, operation: string, error: unknown, policy: 'fail-open' | 'throw' = this.onError): void {
    if (policy === 'throw') throw error
    this.degraded(resolved, operation, error)
  }

  /** A call's failure policy: its own `onError`, else the kit's. */
  policy(options: { onError?: 'fail-open' | 'throw' }): 'fail-open' | 'throw' {
    return options.onError ?? this.onError
  }

  /** Where the cache's own announcements go (`invalidate`, progress). */
  get emitter(): EventSink<CacheEvents> {
    return this.events
  }
}
