/**
 * Invalidation as the cache does it: deletes, tag stamps, patterns and `clear()` from this
 * process, announcements from other instances, and the outbox that keeps what failed to
 * reach the driver until it answers again.
 */
import { DriverError } from '../core/errors/index.js'
import type { Driver } from '../drivers/driver.js'
import {
  deleteByPattern,
  qualifyPattern,
  type PatternInvalidationOptions,
  type PatternInvalidationReport,
  type PatternProgress,
} from '../invalidation/pattern.js'
import { resolveTagInvalidation, type TagInvalidationOptions, type TagInvalidationReport } from '../invalidation/tag-invalidation.js'
import type { TagStamps } from '../invalidation/tag-stamps.js'
import type { Namespace } from '../keys/namespace.js'
import type { CacheBus } from './bus.js'
import type { Coherence } from './coherence.js'
import { InvalidationOutbox, type OutboxStatus } from './outbox.js'
import type { CacheReporter } from './reporter.js'
import type { Resolved } from './resolve-key.js'

/** Failed invalidations kept for replay (about 100 bytes each). */
const OUTBOX_LIMITS = Object.freeze({ maxKeys: 10_000, maxTags: 10_000 })

/** What the invalidator is made of. */
export interface InvalidatorParts {
  readonly driver: Driver
  readonly namespace: Namespace
  readonly bus: CacheBus | undefined
  readonly tags: TagStamps
  readonly tagMaxAgeMs: number
  readonly coherence: Coherence
  readonly reporter: CacheReporter
  readonly enabled: boolean
}

export class Invalidator {
  private readonly outbox: InvalidationOutbox

  constructor(private readonly parts: InvalidatorParts) {
    this.outbox = new InvalidationOutbox(
      { deleteKeys: (fullKeys) => this.resendDeletes(fullKeys), invalidateTags: (pending) => this.resendStamps(pending) },
      OUTBOX_LIMITS,
      (count) =>
        parts.reporter.degraded(
          undefined,
          'outbox',
          new DriverError(`${count} invalidation(s) dropped: more failed than the outbox keeps`),
        ),
    )
    this.listen()
  }

  /** True while the delete of `full` waits in the outbox: what Redis holds may be the deleted entry. */
  pendingDelete(full: string): boolean {
    return !this.outbox.empty && this.outbox.hasKey(full)
  }

  /** Deletes keys everywhere; a driver failure queues the delete (or rejects under `onError: 'throw'`). */
  async delete(resolved: readonly Resolved[], options: { onError?: 'fail-open' | 'throw' }): Promise<{ deleted: number; queued: boolean }> {
    const { coherence, reporter, driver } = this.parts
    const full = resolved.map((r) => r.full)
    for (const r of resolved) coherence.keyChanged(r.rel, r.full)
    reporter.deleted(resolved)
    try {
      return { deleted: await driver.del(full), queued: false }
    } catch (error) {
      // Sent again once the driver answers; meanwhile this process treats the keys as deleted.
      if (error instanceof DriverError) this.outbox.addKeys(full)
      reporter.writeFailed(resolved[0], 'delete', error, reporter.policy(options))
      return { deleted: 0, queued: error instanceof DriverError }
    } finally {
      // A read on the wire during the delete may have brought the old entry back: drop it again.
      for (const r of resolved) coherence.keyChanged(r.rel, r.full)
      // Announced once the delete landed: an instance that re-reads at once must not find the old entry.
      this.parts.bus?.publish('del', full)
    }
  }

  /** See `CacheService.invalidateTags`. */
  async invalidateTags(tags: readonly string[], options: TagInvalidationOptions): Promise<TagInvalidationReport> {
    const { coherence, reporter } = this.parts
    const startedAt = Date.now()
    const { tags: list, mode, label } = resolveTagInvalidation(tags, options)
    if (!this.parts.enabled || list.length === 0) return { tags: list, mode: label, invalidatedAt: 0, durationMs: 0, queued: [] }
    const stampMs = Date.now()
    // Callers from now on must not join a read or load that began before the stamp.
    coherence.forgetFlights()
    const { failed, error } = await this.parts.tags.invalidate(list, mode, stampMs, this.parts.tagMaxAgeMs)
    // Announced for the stored stamps; the failed ones are announced when the outbox replays them.
    const stored = failed.length === 0 ? list : list.filter((tag) => !failed.includes(tag))
    if (stored.length > 0) this.parts.bus?.publish('tags', stored, { m: mode, at: stampMs })
    if (failed.length > 0) {
      this.outbox.addTags(failed.map((tag) => ({ tag, mode, stampMs })))
      if (!(error instanceof DriverError)) throw error
      reporter.writeFailed(undefined, 'invalidateTags', error, reporter.policy(options))
    }
    // Entries created in the stamp's millisecond count as invalidated: let the clock move
    // on, so whatever this process loads after the call returns is valid.
    if (Date.now() <= stampMs) await sleep(stampMs + 1 - Date.now())
    reporter.emitter.emit('invalidate', { kind: 'tags', tags: list, mode: label })
    return { tags: list, mode: label, invalidatedAt: stampMs, durationMs: Date.now() - startedAt, queued: failed }
  }

  /** Deletes what a pattern matches (`clear()`: `'*'`), announcing each batch. */
  async deleteMatching(
    pattern: string,
    options: PatternInvalidationOptions,
    kind: 'pattern' | 'clear',
  ): Promise<PatternInvalidationReport> {
    const { driver, namespace, coherence, reporter } = this.parts
    const target = {
      driver,
      namespace,
      onDeleted: (keys: string[]) => {
        for (const key of keys) {
          const rel = namespace.strip(key)
          if (rel !== null) coherence.keyChanged(rel, key)
        }
        this.parts.bus?.publish('del', keys)
      },
    }
    const events = reporter.emitter
    const onProgress = (progress: PatternProgress) => {
      options.onProgress?.(progress)
      events.emit('invalidate-progress', progress)
    }
    if (!this.parts.enabled) {
      // Still checked, so a bad pattern fails the same way with the kill switch on.
      return { pattern: qualifyPattern(namespace, pattern), scanned: 0, deleted: 0, batches: 0, durationMs: 0 }
    }
    const report = await deleteByPattern(target, pattern, { ...options, onProgress })
    if (kind === 'clear') {
      coherence.everythingChanged()
      this.parts.bus?.publish('clear', [])
    }
    events.emit('invalidate', { kind, pattern: report.pattern, deleted: report.deleted })
    return report
  }

  /** Sends what waits in the outbox now (the driver answers again). Never rejects. */
  replay(): Promise<void> {
    return this.outbox.replay()
  }

  status(): OutboxStatus {
    return this.outbox.status()
  }

  /** One last replay, then no more retries: what still waits is lost with the process. */
  async close(): Promise<void> {
    await this.outbox.replay()
    this.outbox.close()
  }

  /** Other instances' announcements, and gaps in hearing them. */
  private listen(): void {
    const { bus, coherence, tags, namespace } = this.parts
    // Announcements may have been lost: nothing learned from the bus can be trusted.
    bus?.onGap(() => {
      coherence.everythingChanged()
      tags.forget()
    })
    bus?.onMessage((message) => {
      if (message.t === 'tags') {
        // The bus checked the message's shape; the tag system clamps a stamp from the future.
        tags.apply(message.k, message.m ?? 'hard', message.at ?? Date.now())
        coherence.forgetFlights()
        return
      }
      if (message.t === 'clear') coherence.everythingChanged()
      else
        for (const key of message.k) {
          const rel = namespace.strip(key)
          if (rel !== null) coherence.keyChanged(rel, key)
        }
    })
  }

  private async resendDeletes(fullKeys: string[]): Promise<void> {
    const { driver, namespace, coherence } = this.parts
    await driver.del(fullKeys)
    for (const full of fullKeys) {
      const rel = namespace.strip(full)
      if (rel !== null) coherence.keyChanged(rel, full)
    }
    if (!(await this.announce('del', fullKeys))) throw new DriverError('the delete landed but its announcement did not')
  }

  private async resendStamps(pending: readonly { tag: string; mode: 'hard' | 'soft'; stampMs: number }[]): Promise<void> {
    for (const { tag, mode, stampMs } of pending) {
      const { failed, error } = await this.parts.tags.invalidate([tag], mode, stampMs, this.parts.tagMaxAgeMs)
      if (failed.length > 0) throw error
      if (!(await this.announce('tags', [tag], { m: mode, at: stampMs })))
        throw new DriverError('the stamp landed but its announcement did not')
    }
  }

  /** Publishes on the bus; true when it was sent (or there is no bus to tell). */
  private announce(type: 'del' | 'tags', keys: string[], extra?: { m: 'hard' | 'soft'; at: number }): Promise<boolean> {
    return this.parts.bus === undefined ? Promise.resolve(true) : this.parts.bus.publish(type, keys, extra)
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
