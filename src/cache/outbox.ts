/**
 * Invalidations that could not reach Redis, kept until they can. A PUT whose database
 * write succeeded must not leave the old entry in Redis for its whole TTL just because
 * Redis was away for the delete: the delete (or tag stamp) waits here, this process treats
 * the keys as invalidated meanwhile, and it is sent again, with the bus announcement, once
 * the driver answers. Deletes and tag stamps are idempotent (a stamp only moves forward),
 * so sending one twice is harmless.
 *
 * Bounded: past `maxKeys` keys or `maxTags` tags the oldest are dropped and counted; their
 * entries may then be served from Redis until their TTL. Nothing here survives a crash of
 * the process (see docs/cache.md, "Coherence").
 */
import { RetryTimer } from '../core/retry-timer.js'
import type { TagInvalidationMode } from '../invalidation/tag-stamps.js'

/** A tag invalidation waiting to be stored. */
export interface PendingTag {
  readonly tag: string
  readonly mode: TagInvalidationMode
  readonly stampMs: number
}

/** What is waiting, and what was given up. */
export interface OutboxStatus {
  /** Keys whose delete is waiting. */
  readonly keys: number
  /** Tags whose invalidation is waiting. */
  readonly tags: number
  /** Invalidations dropped because the outbox was full, since the kit started. */
  readonly dropped: number
}

/** How the outbox sends what waits. Each resolves when sent; a rejection keeps it waiting. */
export interface OutboxTransport {
  deleteKeys(fullKeys: string[]): Promise<void>
  invalidateTags(pending: PendingTag[]): Promise<void>
}

/** Retry delays while something waits: 250 ms doubling to 10 s. */
const RETRY = Object.freeze({ minMs: 250, maxMs: 10_000 })
/** Keys per DEL of a replay (split per slot on a Cluster by the driver). */
const REPLAY_BATCH = 500

export class InvalidationOutbox {
  private readonly keys = new Set<string>()
  /** One entry per tag and mode: the latest stamp wins (stamps only move forward). */
  private readonly tags = new Map<string, PendingTag>()
  private dropped = 0
  private readonly retries = new RetryTimer(RETRY, () => void this.replay())
  private replaying: Promise<void> | undefined
  private closed = false

  constructor(
    private readonly transport: OutboxTransport,
    private readonly limits: { readonly maxKeys: number; readonly maxTags: number },
    private readonly onDropped: (count: number) => void,
  ) {}

  /** True while nothing waits: the hot path checks this before anything else. */
  get empty(): boolean {
    return this.keys.size === 0 && this.tags.size === 0
  }

  /** True when the delete of `fullKey` is waiting: its entry in Redis may be one that was deleted. */
  hasKey(fullKey: string): boolean {
    return this.keys.size > 0 && this.keys.has(fullKey)
  }

  status(): OutboxStatus {
    return { keys: this.keys.size, tags: this.tags.size, dropped: this.dropped }
  }

  /** Keeps deletes that failed, and schedules their replay. */
  addKeys(fullKeys: readonly string[]): void {
    for (const key of fullKeys) {
      this.keys.delete(key)
      this.keys.add(key)
    }
    let over = 0
    while (this.keys.size > this.limits.maxKeys) {
      this.keys.delete(this.keys.values().next().value as string)
      over++
    }
    this.drop(over)
    this.schedule()
  }

  /** Keeps tag invalidations that failed, and schedules their replay. */
  addTags(pending: readonly PendingTag[]): void {
    for (const item of pending) {
      const id = `${item.mode}\u0000${item.tag}`
      const known = this.tags.get(id)
      this.tags.delete(id)
      this.tags.set(id, known !== undefined && known.stampMs > item.stampMs ? known : item)
    }
    let over = 0
    while (this.tags.size > this.limits.maxTags) {
      this.tags.delete(this.tags.keys().next().value as string)
      over++
    }
    this.drop(over)
    this.schedule()
  }

  /** The tag invalidations waiting, for the tag system to keep applying them. */
  pendingTags(): PendingTag[] {
    return [...this.tags.values()]
  }

  /** Sends everything now (the driver answered again). Resolves once tried; never rejects. */
  replay(): Promise<void> {
    if (this.closed || this.empty) return Promise.resolve()
    this.replaying ??= this.send().finally(() => {
      this.replaying = undefined
    })
    return this.replaying
  }

  close(): void {
    this.closed = true
    this.retries.close()
  }

  private async send(): Promise<void> {
    let failed = false
    const tags = [...this.tags.entries()]
    if (tags.length > 0) {
      try {
        await this.transport.invalidateTags(tags.map(([, item]) => item))
        // Only what was sent: a newer stamp added meanwhile stays.
        for (const [id, item] of tags) if (this.tags.get(id) === item) this.tags.delete(id)
      } catch {
        failed = true
      }
    }
    const keys = [...this.keys]
    for (let start = 0; start < keys.length && !failed; start += REPLAY_BATCH) {
      const batch = keys.slice(start, start + REPLAY_BATCH)
      try {
        await this.transport.deleteKeys(batch)
        for (const key of batch) this.keys.delete(key)
      } catch {
        failed = true
      }
    }
    if (failed) this.schedule()
    else this.retries.reset()
  }

  private schedule(): void {
    if (!this.empty) this.retries.schedule()
  }

  private drop(count: number): void {
    if (count === 0) return
    this.dropped += count
    try {
      this.onDropped(count)
    } catch {
      // Reporting must never break an invalidation.
    }
  }
}
