/**
 * Tag invalidation by timestamps (the BentoCache design): invalidating a tag is one
 * single-key write of "entries of this tag created at or before T are invalid", and a
 * read compares the entry's `createdAt` with the stamps of its tags. The cost of an
 * invalidation does not depend on how many entries carry the tag, and every operation
 * touches one key, so it is Cluster-safe.
 *
 * Reads must not pay a round trip per tag: each process keeps the stamps it has seen
 * for a short while (`trustMs`), and the cache bus tells every process about every
 * invalidation at once, so the local copies stay current. A stamp nobody has
 * invalidated is stored as nothing and remembered as 0. A tag this process first meets
 * in its own write, or in an announcement, is known from then on without a GET.
 */
import { SingleFlight } from '../core/single-flight.js'
import type { Driver } from '../drivers/driver.js'
import { escapeParam } from '../keys/escape.js'
import type { Namespace } from '../keys/namespace.js'
import { invalidateTag, parseTagStamp, type TagStampReply } from '../scripts/invalidate-tag.js'

/** Defaults of tag invalidation; the kit's `tags` option overrides `maxAgeMs` and the trust window. */
export const TAG_DEFAULTS = Object.freeze({
  /** How long a stamp is kept without a key table to derive it from: one day. */
  maxAgeMs: 86_400_000,
  /** Trust window of a local stamp while the bus delivers every invalidation (bounds a lost message). */
  trustWithBusMs: 60_000,
  /** Trust window without pub/sub: how long another process's invalidation may go unseen. */
  trustWithoutBusMs: 1_000,
  /**
   * Tags remembered per process (about 100 bytes each). Sized for one tag per hot entity:
   * a process reading more distinct tags than this within a trust window refetches the
   * oldest ones.
   */
  maxRecords: 100_000,
  /**
   * How far ahead of this process's clock a stamp may be. Hosts sharing a Redis are
   * assumed to agree within it. A later stamp, announced on the bus or found in Redis, is
   * not one a cachekit with a sane clock wrote (anyone who can PUBLISH or SET can forge
   * one): it is clamped to now plus this, so it costs at most this long of misses instead
   * of switching caching off for its tag, and the next `invalidateTags` replaces it.
   */
  maxClockSkewMs: 2_000,
})

/** What a tag invalidation does to the entries it reaches. */
export type TagInvalidationMode = 'hard' | 'soft'

/** How a tagged entry stands against its tags' stamps. */
export type TagVerdict = 'valid' | 'stale' | 'invalid'

/** The times of an entry that tag checks need. */
export interface TaggedEntry {
  readonly createdAt: number
  readonly expiresAt: number
  readonly staleUntil: number
  readonly tags: readonly string[]
}

/** Settings of {@link TagStamps}. */
export interface TagStampsOptions {
  driver: Driver
  namespace: Namespace
  /** How long a fetched or announced stamp may be used without asking the driver again. */
  trustMs: () => number
  /** At most this many tags are remembered; the oldest are forgotten first (and refetched when needed). */
  maxRecords: number
  /** How far ahead of this clock a stamp may be before it is clamped. @default TAG_DEFAULTS.maxClockSkewMs */
  maxClockSkewMs?: number
  /** How long a stamp this process writes is kept (the kit's `tags.maxAge`). */
  maxAgeMs: number
}

interface TagRecord {
  hardAt: number
  softAt: number
  /**
   * The record holds every stamp that matters to entries created at or after this time
   * (0: to every entry). A record started by this process's own write, or by an
   * announcement, knows the stamps from then on, not the ones before.
   */
  floor: number
  /** Trusted up to and including this time (epoch ms). */
  until: number
}

const NEVER: TagStampReply = Object.freeze({ hardAt: 0, softAt: 0 })

export class TagStamps {
  private readonly records = new Map<string, TagRecord>()
  private readonly fetches = new SingleFlight()
  private readonly skewMs: number
  /**
   * Invalidations this process made that Redis does not have yet (the write failed; the
   * outbox replays it). They count on every read until unpinned, whatever the driver says
   * and whatever is forgotten.
   */
  private readonly pinned = new Map<string, TagStampReply>()

  constructor(private readonly options: TagStampsOptions) {
    this.skewMs = options.maxClockSkewMs ?? TAG_DEFAULTS.maxClockSkewMs
  }

  /** Number of tags remembered in this process. */
  get size(): number {
    return this.records.size
  }

  /** The driver key holding a tag's stamps: `<prefix>__tag:<escaped tag>`. */
  keyOf(tag: string): string {
    return this.options.namespace.key(`__tag:${escapeParam(tag, 'tag')}`)
  }

  /**
   * How `entry` stands by the stamps this process trusts, or `undefined` when one of its
   * tags is unknown, no longer trusted, or not known back to the entry's creation (the
   * caller then uses {@link stampsFor}). Allocation-free: it runs on every L1 hit of a
   * tagged entry.
   */
  localVerdict(entry: TaggedEntry, now: number): TagVerdict | undefined {
    const tags = entry.tags
    let hardAt = 0
    let softAt = 0
    for (let i = 0; i < tags.length; i++) {
      const record = this.records.get(tags[i] as string)
      if (record === undefined || record.until < now || record.floor > entry.createdAt) return undefined
      if (record.hardAt > hardAt) hardAt = record.hardAt
      if (record.softAt > softAt) softAt = record.softAt
    }
    if (this.pinned.size > 0) {
      for (let i = 0; i < tags.length; i++) {
        const pin = this.pinned.get(tags[i] as string)
        if (pin === undefined) continue
        if (pin.hardAt > hardAt) hardAt = pin.hardAt
        if (pin.softAt > softAt) softAt = pin.softAt
      }
    }
    return judge(entry, hardAt, softAt, now)
  }

  /**
   * The newest stamps over the tags of an entry created at `createdAt`, fetching the
   * ones this process cannot vouch for (one GET per such tag, concurrently, shared by
   * concurrent readers).
   */
  async stampsFor(tags: readonly string[], createdAt: number, now: number): Promise<TagStampReply> {
    const stamps = await Promise.all(
      tags.map((tag) => {
        const record = this.records.get(tag)
        if (record !== undefined && record.until >= now && record.floor <= createdAt) return record
        return this.fetches.run(tag, () => this.fetch(tag))
      }),
    )
    const pinned = this.pinned.size === 0 ? [] : tags.flatMap((tag) => this.pinned.get(tag) ?? [])
    return [...stamps, ...pinned].reduce<TagStampReply>(
      (max, s) => ({ hardAt: Math.max(max.hardAt, s.hardAt), softAt: Math.max(max.softAt, s.softAt) }),
      NEVER,
    )
  }

  /** Keeps applying an invalidation Redis does not have yet, until {@link unpin}. */
  pin(tag: string, mode: TagInvalidationMode, stampMs: number): void {
    const pin = this.pinned.get(tag) ?? { hardAt: 0, softAt: 0 }
    this.pinned.set(
      tag,
      mode === 'hard'
        ? { hardAt: Math.max(pin.hardAt, stampMs), softAt: pin.softAt }
        : { hardAt: pin.hardAt, softAt: Math.max(pin.softAt, stampMs) },
    )
  }

  /** Redis has the invalidation now (stored with a stamp at least `stampMs`): reads can rely on it again. */
  unpin(tag: string, mode: TagInvalidationMode, stampMs: number): void {
    const pin = this.pinned.get(tag)
    if (pin === undefined) return
    const left =
      mode === 'hard'
        ? { hardAt: pin.hardAt > stampMs ? pin.hardAt : 0, softAt: pin.softAt }
        : { hardAt: pin.hardAt, softAt: pin.softAt > stampMs ? pin.softAt : 0 }
    if (left.hardAt === 0 && left.softAt === 0) this.pinned.delete(tag)
    else this.pinned.set(tag, left)
  }

  /**
   * Stores a new stamp for every tag (one script per tag, concurrently) and remembers
   * the result. A stamp that could not be stored stays pinned in this process, so it keeps
   * treating the entries as invalidated, until a later `invalidate` stores it. Resolves
   * the tags that failed and the first error (none: `failed` is empty).
   */
  async invalidate(
    tags: readonly string[],
    mode: TagInvalidationMode,
    stampMs: number,
    ttlMs: number,
  ): Promise<{ failed: string[]; error: unknown }> {
    // Until Redis has it, this process must keep applying it, even past a forget().
    for (const tag of tags) this.pin(tag, mode, stampMs)
    const results = await Promise.allSettled(
      tags.map((tag) =>
        this.options.driver.eval(
          invalidateTag,
          [this.keyOf(tag)],
          [mode, String(stampMs), String(ttlMs), String(Date.now() + this.skewMs)],
        ),
      ),
    )
    const now = Date.now()
    const failed: string[] = []
    let error: unknown
    results.forEach((result, index) => {
      const tag = tags[index] as string
      if (result.status === 'fulfilled') {
        this.merge(tag, result.value, now, 0, true)
        this.unpin(tag, mode, stampMs)
      } else {
        if (failed.length === 0) error = result.reason
        failed.push(tag)
        this.announced(tag, mode, stampMs, now)
      }
    })
    return { failed, error }
  }

  /** Applies an invalidation announced by another process. */
  apply(tags: readonly string[], mode: TagInvalidationMode, stampMs: number): void {
    const now = Date.now()
    for (const tag of tags) this.announced(tag, mode, stampMs, now)
  }

  /**
   * This process wrote an entry carrying `tags`, created at `createdAt`. A tag it knows
   * nothing about yet can be vouched for from that moment on: any later invalidation is
   * announced on the bus (or the record's trust runs out first). So the next read of the
   * entry needs no GET per tag.
   */
  wrote(tags: readonly string[], createdAt: number): void {
    const now = Date.now()
    for (const tag of tags) {
      if (this.records.has(tag)) continue
      this.records.set(tag, { hardAt: 0, softAt: 0, floor: createdAt, until: now + this.options.trustMs() })
      this.evict()
    }
  }

  /** Forgets every remembered stamp (the next read of each tag asks the driver). */
  forget(): void {
    this.records.clear()
  }

  private async fetch(tag: string): Promise<TagStampReply> {
    const startedAt = Date.now()
    const stored = parseTagStamp(await this.options.driver.get(this.keyOf(tag)))
    const now = Date.now()
    if (stored.hardAt <= now + this.skewMs && stored.softAt <= now + this.skewMs) return this.merge(tag, stored, startedAt, 0, true)
    // A stamp from the future was written by hand: read it as "invalidated now", and
    // replace it in Redis so it stops costing every process its misses (the script drops
    // implausible stamps). Best effort: a failed repair is retried by the next fetch.
    // Entries created before this fetch began count as invalidated; a load that starts after
    // it (the next step of the read that found the forgery) must not land in the same millisecond.
    const invalidatedAt = startedAt - 1
    this.options.driver
      .eval(invalidateTag, [this.keyOf(tag)], ['hard', String(invalidatedAt), String(this.options.maxAgeMs), String(now + this.skewMs)])
      .catch(() => undefined)
    return this.merge(tag, { hardAt: invalidatedAt, softAt: 0 }, startedAt, 0, true)
  }

  /**
   * An invalidation this process heard of. A hard one vouches for every entry: those
   * created before it are invalid whatever came earlier. A soft one only for entries
   * created after it, since an earlier hard stamp may exist.
   */
  private announced(tag: string, mode: TagInvalidationMode, announcedMs: number, now: number): void {
    const stampMs = Math.min(announcedMs, now + this.skewMs)
    if (mode === 'hard') this.merge(tag, { hardAt: stampMs, softAt: 0 }, now, 0, false)
    else this.merge(tag, { hardAt: 0, softAt: stampMs }, now, stampMs + 1, false)
  }

  /**
   * Raises a record to `stamp` (stamps only move forward). Only an answer from the driver
   * (`renew`) extends how long an existing record is trusted: an announcement does not
   * prove that none was lost before it.
   */
  private merge(tag: string, stamp: TagStampReply, now: number, floor: number, renew: boolean): TagStampReply {
    const until = now + this.options.trustMs()
    const record = this.records.get(tag)
    if (record === undefined) {
      const created: TagRecord = { hardAt: stamp.hardAt, softAt: stamp.softAt, floor, until }
      this.records.set(tag, created)
      this.evict()
      return created
    }
    record.hardAt = Math.max(record.hardAt, stamp.hardAt)
    record.softAt = Math.max(record.softAt, stamp.softAt)
    // A complete answer (a fetch, a hard stamp) lowers the floor; a partial one never raises it.
    record.floor = Math.min(record.floor, floor)
    if (renew) record.until = Math.max(record.until, until)
    return record
  }

  private evict(): void {
    while (this.records.size > this.options.maxRecords) {
      const oldest = this.records.keys().next()
      if (oldest.done) return
      this.records.delete(oldest.value)
    }
  }
}

/**
 * How a tagged entry stands against the newest stamps of its tags. An entry created at
 * or before a hard stamp is invalid. One created at or before a soft stamp counts as if
 * its TTL had ended at that stamp: stale (servable) for what is left of its grace,
 * invalid after. Equal times count as "before": an entry written in the same
 * millisecond as an invalidation may hold the old data.
 */
export function judgeEntry(entry: TaggedEntry, stamps: TagStampReply, now: number): TagVerdict {
  return judge(entry, stamps.hardAt, stamps.softAt, now)
}

function judge(entry: TaggedEntry, hardAt: number, softAt: number, now: number): TagVerdict {
  if (hardAt >= entry.createdAt) return 'invalid'
  if (softAt >= entry.createdAt) {
    const graceMs = entry.staleUntil - entry.expiresAt
    return now < Math.min(entry.staleUntil, softAt + graceMs) ? 'stale' : 'invalid'
  }
  return 'valid'
}
