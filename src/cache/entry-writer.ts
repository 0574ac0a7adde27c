/**
 * Writing entries: the envelope (TTL, jitter, grace, tags, creation time), the write to
 * the driver, and this process's L1 copy. A plain write is the newest value; a loader's
 * result yields to any change of its key that landed while the loader ran.
 */
import { describeValue } from '../core/describe-value.js'
import { parseDuration } from '../core/duration.js'
import { DriverError, ValidationError } from '../core/errors/index.js'
import type { Driver } from '../drivers/driver.js'
import type { TagStamps } from '../invalidation/tag-stamps.js'
import type { KeyPriority } from '../keys/key-family.js'
import { isTag } from '../keys/tag.js'
import { compareAndSet } from '../scripts/compare-and-set.js'
import type { CacheBus } from './bus.js'
import type { Coherence } from './coherence.js'
import type { EntryCodec } from './config.js'
import type { CacheReporter } from './reporter.js'
import type { Resolved } from './resolve-key.js'
import type { CacheCallOptions, StoredEntry } from './types.js'

/** What a loader's write must respect: the fence ticket from when the loader started, and the lease it holds. */
export interface LoadedWrite {
  readonly ticket: number
  readonly leaseToken: string | undefined
}

/** How one write goes out. */
export interface WriteMode {
  /** Announce it on the bus (setMany announces its writes together instead). @default true */
  announce?: boolean
  /** Keep an L1 copy. @default true */
  remember?: boolean
  /** A loader's result: see {@link LoadedWrite}. */
  load?: LoadedWrite
}

/** What the writer is made of. */
export interface EntryWriterParts {
  readonly driver: Driver
  readonly codec: EntryCodec
  readonly bus: CacheBus | undefined
  readonly tags: TagStamps
  readonly tagMaxAgeMs: number
  readonly coherence: Coherence
  readonly reporter: CacheReporter
  readonly admit: ((family: string, priority: KeyPriority) => boolean) | undefined
}

export class EntryWriter {
  constructor(private readonly parts: EntryWriterParts) {}

  /** Encodes and writes one value. Resolves `false` when skipped (guard, fence, lost lease) or when the driver failed. */
  async store<Value>(
    resolved: Resolved,
    value: Value,
    options: CacheCallOptions<Value>,
    createdAt?: number,
    load?: LoadedWrite,
  ): Promise<boolean> {
    const { entry, text } = this.encode(resolved, value, options, createdAt)
    return this.write(resolved, entry, text, { load })
  }

  /**
   * Builds the entry; `createdAt` (default now) is when its data was read, for tag checks.
   * @throws {ValidationError} for a bad ttl, grace, jitter or tags, or a value the codec refuses.
   */
  encode<Value>(
    resolved: Resolved,
    value: Value,
    options: CacheCallOptions<Value>,
    createdAt?: number,
  ): { entry: StoredEntry; text: string } {
    const now = Date.now()
    const ttlMs = jittered(options.ttl === undefined ? resolved.ttlMs : parseDuration(options.ttl, 'ttl'), options.jitter)
    const graceMs = options.grace === undefined ? resolved.graceMs : parseDuration(options.grace, 'grace')
    if (ttlMs <= 0) throw new ValidationError(`ttl of ${JSON.stringify(resolved.full)} must be positive`)
    const extraTags = typeof options.tags === 'function' ? options.tags(value) : options.tags
    if (extraTags !== undefined) checkCallTags(extraTags, resolved.full)
    const tags = extraTags && extraTags.length > 0 ? [...new Set([...resolved.tags, ...extraTags])] : resolved.tags
    if (tags.length > 0) this.checkTaggedLifetime(resolved, ttlMs + graceMs)
    const entry: StoredEntry = {
      value,
      createdAt: Math.min(createdAt ?? now, now),
      expiresAt: now + ttlMs,
      staleUntil: now + ttlMs + graceMs,
      tags,
    }
    return { entry, text: this.parts.codec.encode(entry) }
  }

  /**
   * Stores an entry. A plain write (`set`, `setMany`, `update`) is the newest value: it
   * replaces this process's copy at once. A loader's result (`mode.load`) is stored only
   * if its key did not change while the loader ran, and, when the load holds the key's
   * lease, only over that lease (compare and set): a delete or another writer's value
   * that landed meanwhile wins over data read before it.
   */
  async write(resolved: Resolved, entry: StoredEntry, text: string, mode: WriteMode = {}): Promise<boolean> {
    const { driver, coherence, reporter, admit } = this.parts
    if (admit && !admit(resolved.family, resolved.priority)) return false
    const { load } = mode
    if (load !== undefined && !coherence.fence.admits(resolved.rel, load.ticket)) return false
    const keep = mode.remember !== false
    if (load === undefined) coherence.keyChanged(resolved.rel, resolved.full)
    let copy = keep && load === undefined ? coherence.remember(resolved, entry, text.length) : undefined
    reporter.written(resolved)
    try {
      const ttlMs = Math.max(1, entry.staleUntil - Date.now())
      const stored =
        load?.leaseToken === undefined
          ? await driver.set(resolved.full, text, { ttlMs })
          : await driver.eval(compareAndSet, [resolved.full], [load.leaseToken, text, String(ttlMs)])
      if (!stored) return false
      coherence.written(resolved.rel, copy)
      if (keep && load !== undefined) copy = coherence.remember(resolved, entry, text.length)
      if (entry.tags.length > 0) this.parts.tags.wrote(entry.tags, entry.createdAt)
      if (mode.announce !== false) this.parts.bus?.publish('set', [resolved.full])
      return true
    } catch (error) {
      if (!(error instanceof DriverError)) throw error
      reporter.writeFailed(resolved, 'set', error)
      return false
    }
  }

  /**
   * A tag stamp lives `tagMaxAgeMs`; an entry outliving it could come back to life once
   * the stamp that invalidated it expires. So a tagged entry may not live longer.
   */
  private checkTaggedLifetime(resolved: Resolved, lifetimeMs: number): void {
    const { tagMaxAgeMs } = this.parts
    if (lifetimeMs <= tagMaxAgeMs) return
    throw new ValidationError(
      `${JSON.stringify(resolved.full)} has tags and would live ${lifetimeMs} ms (ttl + grace), longer than tags.maxAge (${tagMaxAgeMs} ms): raise the kit's tags.maxAge or shorten the ttl`,
    )
  }
}

/** Checks the tags given to one `set` or `getOrSet` call. */
function checkCallTags(tags: unknown, key: string): void {
  if (!Array.isArray(tags)) throw new ValidationError(`tags of ${JSON.stringify(key)} must be an array of strings`)
  for (const tag of tags) {
    if (!isTag(tag)) {
      throw new ValidationError(`tags of ${JSON.stringify(key)} must be non-empty strings, got ${describeValue(tag)}`)
    }
  }
}

function jittered(ttlMs: number, jitter: number | undefined): number {
  if (!jitter) return ttlMs
  if (!(jitter >= 0 && jitter <= 1)) throw new ValidationError(`jitter must be between 0 and 1, got ${jitter}`)
  return Math.max(1, Math.round(ttlMs * (1 - Math.random() * jitter)))
}
