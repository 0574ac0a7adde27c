/**
 * What keeps this process's copies honest: the L1 tier's copies, the shared flights
 * (the first GET of a key, a read, a load, a refresh), and the change fence that orders
 * them against changes. A change of a key (this process's write or delete, another
 * instance's announcement, `clear()`, a gap in the bus) drops the copy, fences replies
 * still on the wire out of L1 and storage, and makes later callers start afresh instead
 * of joining work begun before it.
 */
import { SingleFlight } from '../core/single-flight.js'
import type { CacheBus } from './bus.js'
import { ChangeFence } from './change-fence.js'
import type { L1Tier } from './config.js'
import type { L1Entry } from './l1.js'
import type { Resolved } from './resolve-key.js'
import type { StoredEntry } from './types.js'

/** Changed keys the fence remembers (about 100 bytes each); older changes raise its floor. */
const FENCE_KEYS = 10_000

/** A GET shared by concurrent callers, with the fence ticket taken when it was sent. */
export interface SharedGet {
  readonly read: Promise<string | null>
  readonly ticket: number
}

export class Coherence {
  readonly fence = new ChangeFence(FENCE_KEYS)
  /** The first GET of each key in flight, shared by concurrent callers (a miss storm sends one GET per key). */
  readonly gets = new Map<string, SharedGet>()
  /** Shared reads: the work of concurrent `getOrSet` calls after their first GET. */
  readonly reads = new SingleFlight()
  /** Foreground loads: misses and forced loads. Always settle with the loader's value or error. */
  readonly loads = new SingleFlight()
  /** Background refreshes of stale entries, which may give up (another instance refreshes): never joined by a load. */
  readonly refreshes = new SingleFlight()

  constructor(
    readonly l1: L1Tier | undefined,
    private readonly bus: CacheBus | undefined,
    /** True while the delete of a full key waits in the outbox (what Redis holds may be the deleted entry). */
    private readonly pendingDelete: (full: string) => boolean,
  ) {}

  /**
   * `rel` changed (written or deleted here, or announced by another instance): drop this
   * process's copy, keep replies already on the wire out of L1 and storage, and let later
   * callers start afresh instead of joining a read or load that began before the change.
   */
  keyChanged(rel: string, full: string): void {
    this.fence.change(rel)
    this.l1?.cache.delete(rel)
    this.gets.delete(full)
    this.reads.forget(full)
    this.loads.forget(full)
  }

  /** As {@link keyChanged}, for every key (a clear, or a gap in what the bus told this process). */
  everythingChanged(): void {
    this.fence.changeAll()
    this.l1?.cache.clear()
    this.forgetFlights()
  }

  /** Callers from now on must not join a read or load that began before now. */
  forgetFlights(): void {
    this.gets.clear()
    this.reads.forgetAll()
    this.loads.forgetAll()
  }

  /**
   * Keeps a copy in L1. `ticket` is the fence ticket of the read that brought the entry:
   * a read that overlapped a change of its key keeps nothing. Without a ticket (this
   * process's own write) the copy is kept.
   */
  remember(resolved: Resolved, entry: StoredEntry, bytes: number, ticket?: number): L1Entry | undefined {
    const l1 = this.l1
    // Until the bus is subscribed, another instance's write could go unnoticed: keep no copy.
    if (!l1 || (this.bus && !this.bus.ready)) return undefined
    if (ticket !== undefined && !this.fence.admits(resolved.rel, ticket)) return undefined
    if (this.pendingDelete(resolved.full)) return undefined
    let value = entry.value
    if (l1.clone) {
      // A copy of its own, so no caller's later mutation reaches it; a value structuredClone
      // refuses (a function inside) is not kept in L1 at all.
      try {
        value = structuredClone(value)
      } catch {
        return undefined
      }
    }
    // Built field by field so every L1 entry has one shape (monomorphic reads on the hot path).
    const l1Entry: L1Entry = {
      value,
      expiresAt: entry.expiresAt,
      staleUntil: entry.staleUntil,
      l1Until: Date.now() + l1.ttlMs,
      createdAt: entry.createdAt,
      tags: entry.tags,
      bytes: bytes * 2 + resolved.full.length * 2 + 64,
      referenced: false,
    }
    l1.cache.set(resolved.rel, l1Entry)
    return l1Entry
  }

  /**
   * A write landed: a read that was on the wire meanwhile may have brought the old value
   * back into L1 (Redis may have answered it before the write). Drop any copy but ours.
   */
  written(rel: string, copy: L1Entry | undefined): void {
    this.fence.change(rel)
    const cache = this.l1?.cache
    if (cache !== undefined && cache.peek(rel) !== copy) cache.delete(rel)
  }

  /** A value another caller may also hold (an L1 copy, a shared outcome): a copy with `l1.clone`. */
  handOut(value: unknown): unknown {
    return this.l1?.clone === true ? structuredClone(value) : value
  }
}
