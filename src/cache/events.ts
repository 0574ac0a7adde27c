import type { PatternProgress } from '../invalidation/pattern.js'
import type { BusState } from './bus.js'

/** Where a hit was served from. */
export type Tier = 'l1' | 'remote'

/** Events of `kit.cache` (part of the kit's events: subscribe with `kit.events.on(name, listener)`). */
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
  /**
   * The cache bus changed state. While it is not `active`, this process keeps no L1
   * copies; on `interrupted` it drops the copies and tag stamps it had, since
   * announcements may have been lost.
   */
  bus: { state: BusState; previous: BusState }
  /** An invalidation completed: tags, a pattern or `clear()`. */
  invalidate: CacheInvalidationEvent
  /** A pattern invalidation or `clear()` finished a batch. */
  'invalidate-progress': PatternProgress
}

/** The payload of the cache's `invalidate` event. */
export type CacheInvalidationEvent =
  | { kind: 'tags'; tags: readonly string[]; mode: 'delete' | 'expire' }
  | { kind: 'pattern' | 'clear'; pattern: string; deleted: number }
