import type { BuildProgress, BuildReport } from '../builders/types.js'
import type { BusState } from './bus.js'
import type { CircuitState } from '../drivers/resilient.js'
import type { CascadeReport } from '../invalidation/cascades.js'
import type { PatternProgress } from '../invalidation/pattern.js'

/** Where a hit was served from. */
export type Tier = 'l1' | 'remote'

/** Events of `kit.cache` (subscribe with `kit.events.on(name, listener)`). */
export interface CacheEvents {
  hit: { key: string; family: string; tier: Tier }
  'stale-hit': { key: string; family: string; tier: Tier }
  miss: { key: string; family: string }
  load: { key: string; family: string; durationMs: number }
  'load-error': { key: string; family: string; error: unknown; servedStale: boolean }
  set: { key: string; family: string }
  delete: { keys: readonly string[] }
  /** A stored value failed its schema or could not be decoded: treated as a miss. */
  invalid: { key: string; family: string; reason: 'schema' | 'corrupt'; issues?: readonly unknown[] }
  /** The driver failed and the cache answered without it (fail open), or a write was dropped. */
  degraded: { key?: string; family?: string; operation: string; error: unknown }
  /** The circuit breaker changed state. */
  circuit: { state: CircuitState; previous: CircuitState }
  /**
   * The cache bus changed state. While it is not `active`, this process keeps no L1
   * copies; on `interrupted` it drops the copies and tag stamps it had, since
   * announcements may have been lost.
   */
  bus: { state: BusState; previous: BusState }
  /** An invalidation completed: tags, a pattern, `clear()` or a cascade. */
  invalidate: InvalidationEvent
  /** A pattern invalidation or `clear()` finished a batch. */
  'invalidate-progress': PatternProgress
  /** A cache builder finished a build. */
  build: BuildReport
  /** A cache builder advanced (loading, writing, pruning). */
  'build-progress': BuildProgress
  /** A scheduled or warm-up build failed (a build you call rejects instead). */
  'build-error': { builder: string; reason: 'schedule' | 'warm'; error: unknown }
}

/** The payload of the `invalidate` event. */
export type InvalidationEvent =
  | { kind: 'tags'; tags: readonly string[]; mode: 'delete' | 'expire' }
  | { kind: 'pattern' | 'clear'; pattern: string; deleted: number }
  | { kind: 'cascade'; cascade: string; report: CascadeReport }
