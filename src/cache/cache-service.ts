/**
 * `kit.cache`: cache-aside with stampede protection (in process and across processes),
 * stale-while-revalidate with grace, write-through, an optional L1 tier, and one failure
 * policy: a failing driver never fails a read; the loader answers and `degraded` says so.
 */
import { describeValue } from '../core/describe-value.js'
import { parseDuration } from '../core/duration.js'
import { DriverError, LoaderTimeoutError, ValidationError } from '../core/errors/index.js'
import type { Emitter } from '../core/events.js'
import { compareAndDelete } from '../scripts/compare-and-delete.js'
import { compareAndSet } from '../scripts/compare-and-set.js'
import type { Driver } from '../drivers/driver.js'
import { deleteByPattern, qualifyPattern, type PatternInvalidationOptions, type PatternInvalidationReport, type PatternProgress } from '../invalidation/pattern.js'
import { judgeEntry, TAG_DEFAULTS, TagStamps, type TagVerdict } from '../invalidation/tag-stamps.js'
import { resolveTagInvalidation, type TagInvalidationOptions, type TagInvalidationReport } from '../invalidation/tag-invalidation.js'
import type { CacheBus } from './bus.js'
import type { DegradedReport } from '../monitor/outages.js'
import type { CacheEvents, Tier } from './events.js'
import type { L1Cache, L1Entry } from './l1.js'
import { ChangeFence } from './change-fence.js'
import { InvalidationOutbox, type OutboxStatus } from './outbox.js'
import { SingleFlight } from './single-flight.js'
import { CacheStats, type FamilyStats } from './stats.js'
import type { AnyKeyParams, CacheKey, KeyPriority } from '../keys/key-family.js'
import type { Namespace } from '../keys/namespace.js'
import { hasReservedSegment } from '../keys/reserved.js'
import type { StandardSchemaResult } from '../keys/standard-schema.js'
import type { CacheCallOptions, GetOrSetOptions, Loader, StoredEntry } from './types.js'

/** Turns entries into stored text and back. `decode` returns undefined for anything it does not recognise. */
export interface EntryCodec {
  encode(entry: StoredEntry): string
  decode(text: string): StoredEntry | undefined
}

/** A key: a `defineKeys` builder result or a plain string (below the kit's namespace). */
export type CacheKeyInput<Value> = CacheKey<Value, AnyKeyParams> | string

/** Everything the service needs; `createCachekit` assembles it. */
export interface CacheServiceConfig {
  driver: Driver
  namespace: Namespace
  codec: EntryCodec
  events: Emitter<CacheEvents>
  bus: CacheBus | undefined
  /** `clone`: hand out copies of L1 and shared values (structuredClone), keep a copy of what is stored. */
  l1: { cache: L1Cache; ttlMs: number; clone: boolean } | undefined
  enabled: boolean
  defaultTtlMs: number | undefined
  defaultGraceMs: number
  /** How long a loader may hold the cross-process lease on a key. */
  leaseMs: number
  /** How long an instance waits for another's loader before loading itself. */
  waitMs: number
  onError: 'fail-open' | 'throw'
  /** Where an answer given without the driver is reported (the kit throttles it into `degraded` and `outage` events). */
  onDegraded: (report: DegradedReport) => void
  /**
   * Consulted before every write of an entry: `false` skips it (the call resolves `false`).
   * The memory guard uses it to keep low-priority families out of a nearly full Redis.
   */
  admit?: (family: string, priority: KeyPriority) => boolean
  /**
   * How long a tag invalidation must be remembered: the longest ttl + grace an entry
   * with tags may have. Tagged writes that would outlive it are refused.
   * @default TAG_DEFAULTS.maxAgeMs
   */
  tagMaxAgeMs?: number
  /**
   * How long this process uses a tag's invalidation time without asking the driver again.
   * @default TAG_DEFAULTS.trustWithBusMs while the bus is subscribed, else TAG_DEFAULTS.trustWithoutBusMs
   */
  tagTrustMs?: number
}

interface Resolved {
  full: string
  /** The key below the namespace: what the L1 tier is keyed by (one kit, one namespace). */
  rel: string
  family: string
  priority: KeyPriority
  ttlMs: number
  graceMs: number
  tags: readonly string[]
  schema: CacheKey['schema']
}

type Lookup =
  | { kind: 'fresh' | 'stale'; entry: StoredEntry; tier: Tier }
  | { kind: 'miss' | 'lease' }
  /**
   * The key holds something that must not be served: an entry a tag invalidation reached,
   * one that fails to decode or validate, or one past its grace that the server still
   * holds (clock skew between hosts). `text` is what the key holds, to claim it exactly.
   */
  | { kind: 'invalidated' | 'invalid' | 'expired'; text: string }

/** Options of {@link CacheService.setMany}. */
export interface SetManyOptions {
  /**
   * Keep copies in this process's L1 tier. Bulk loads (cache builders) pass `false` so a
   * rebuild does not push the hot entries out of L1.
   * @default true
   */
  l1?: boolean
}

/** What a loader's write must respect: the fence ticket from when the loader started, and the lease it holds. */
interface LoadedWrite {
  readonly ticket: number
  readonly leaseToken: string | undefined
}

interface Outcome<Value> {
  value: Value
  kind: 'hit' | 'stale' | 'miss'
  tier?: Tier
}

const LEASE_PREFIX = '\u0000cachekit-lease:'
const MISS: Lookup = Object.freeze({ kind: 'miss' })
const LEASE: Lookup = Object.freeze({ kind: 'lease' })
const NO_TAGS: readonly string[] = Object.freeze([])
/** Changed keys the fence remembers (about 100 bytes each); older changes raise its floor. */
const FENCE_KEYS = 10_000
/** Failed invalidations kept for replay (about 100 bytes each). */
const OUTBOX_LIMITS = Object.freeze({ maxKeys: 10_000, maxTags: 10_000 })

/** A GET shared by concurrent callers, with the fence ticket taken when it was sent. */
interface SharedGet {
  readonly read: Promise<string | null>
  readonly ticket: number
}

export class CacheService {
  private readonly stats_ = new CacheStats()
  private readonly reads = new SingleFlight()
  /** Foreground loads: misses and forced loads. Always settle with the loader's value or error. */
  private readonly loads = new SingleFlight()
  /** Background refreshes of stale entries, which may give up (another instance refreshes): never joined by a load. */
  private readonly refreshes = new SingleFlight()
  /** The first GET of each key in flight, shared by concurrent callers (a miss storm sends one GET per key). */
  private readonly gets = new Map<string, SharedGet>()
  /** Keeps replies that were on the wire while their key changed out of L1 and out of storage. */
  private readonly fence = new ChangeFence(FENCE_KEYS)
  /** Deletes and tag stamps that failed to reach the driver, replayed when it answers again. */
  private readonly outbox: InvalidationOutbox
  private readonly config: CacheServiceConfig
  private readonly driver: Driver
  private readonly namespace: Namespace
  private readonly tags: TagStamps
  private readonly tagMaxAgeMs: number

  constructor(config: CacheServiceConfig) {
    this.config = config
    this.driver = config.driver
    this.namespace = config.namespace
    this.tagMaxAgeMs = config.tagMaxAgeMs ?? TAG_DEFAULTS.maxAgeMs
    const bus = config.bus
    const trustMs = config.tagTrustMs
    this.tags = new TagStamps({
      driver: config.driver,
      namespace: config.namespace,
      // Announced invalidations keep local stamps current only while the bus is subscribed.
      trustMs: () => trustMs ?? (bus?.ready ? TAG_DEFAULTS.trustWithBusMs : TAG_DEFAULTS.trustWithoutBusMs),
      maxRecords: TAG_DEFAULTS.maxRecords,
      maxAgeMs: this.tagMaxAgeMs,
    })
    this.outbox = new InvalidationOutbox(
      {
        deleteKeys: async (fullKeys) => {
          await this.driver.del(fullKeys)
          for (const full of fullKeys) {
            const rel = this.namespace.strip(full)
            if (rel !== null) this.keyChanged(rel, full)
          }
          if (!(await this.announce('del', fullKeys))) throw new DriverError('the delete landed but its announcement did not')
        },
        invalidateTags: async (pending) => {
          for (const { tag, mode, stampMs } of pending) {
            const { failed, error } = await this.tags.invalidate([tag], mode, stampMs, this.tagMaxAgeMs)
            if (failed.length > 0) throw error
            if (!(await this.announce('tags', [tag], { m: mode, at: stampMs }))) throw new DriverError('the stamp landed but its announcement did not')
          }
        },
      },
      OUTBOX_LIMITS,
      (count) => this.config.onDegraded({ operation: 'outbox', error: new DriverError(`${count} invalidation(s) dropped: more failed than the outbox keeps`) }),
    )
    // Announcements may have been lost: nothing learned from the bus can be trusted.
    config.bus?.onGap(() => {
      this.everythingChanged()
      this.tags.forget()
    })
    config.bus?.onMessage((message) => {
      if (message.t === 'tags') {
        // The bus checked the message's shape; the tag system clamps a stamp from the future.
        this.tags.apply(message.k, message.m ?? 'hard', message.at ?? Date.now())
        // Callers from now on must not join a read or load that began before the stamp.
        this.forgetFlights()
        return
      }
      if (message.t === 'clear') this.everythingChanged()
      else
        for (const key of message.k) {
          const rel = config.namespace.strip(key)
          if (rel !== null) this.keyChanged(rel, key)
        }
    })
  }

  /**
   * Returns the cached value, or runs `loader`, stores its result and returns it.
   * Concurrent calls for one key share one loader call, in this process and (with a
   * shared driver) across processes. Within grace the stale value is returned at once
   * while one background refresh runs. Never rejects because of the driver (unless
   * `onError: 'throw'`); rejects with the loader's own error when there is nothing to serve.
   *
   * @example
   * const user = await kit.cache.getOrSet(keys.user({ id: 42 }), () => db.user(42))
   */
  getOrSet<Value>(key: CacheKeyInput<Value>, loader: Loader<Value>, options: GetOrSetOptions<Value> = {}): Promise<Value> {
    if (typeof loader !== 'function') return Promise.reject(new ValidationError(`getOrSet needs a loader function, got ${describeValue(loader)}`))
    if (typeof options !== 'object' || options === null) return Promise.reject(optionsError('getOrSet', options))
    if (!this.config.enabled) return this.passThrough(key, loader)
    const l1 = this.config.l1
    if (l1 !== undefined && options.forceFresh !== true) {
      // The hot path: no key resolution, no allocation. L1 is keyed by the relative key,
      // a string the caller's key object already holds (its hash is cached by V8).
      const now = Date.now()
      const hit = l1.cache.get(typeof key === 'string' ? key : key.key, now)
      if (hit !== undefined && hit.expiresAt > now && (hit.tags.length === 0 || this.localVerdict(hit, now) === 'valid')) {
        this.recordL1Hit(typeof key === 'string' ? familyOf(key) : key.family, key)
        return Promise.resolve((l1.clone ? structuredClone(hit.value) : hit.value) as Value)
      }
    }
    let resolved: Resolved
    try {
      resolved = this.resolve(key, options)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.getOrSetSlow(resolved, loader, options)
  }

  /** The fresh cached value, or `undefined`. With `allowStale`, a value within grace too. Fails open to `undefined`. */
  async get<Value>(key: CacheKeyInput<Value>, options: { allowStale?: boolean } = {}): Promise<Value | undefined> {
    if (typeof options !== 'object' || options === null) throw optionsError('get', options)
    if (!this.config.enabled) return undefined
    const resolved = this.resolve(key, {}, false)
    const lookup = await this.lookup(resolved).catch((error: unknown) => this.readFailed(resolved, 'get', error))
    if (lookup.kind === 'fresh' || (lookup.kind === 'stale' && options.allowStale)) {
      this.recordHit(resolved, lookup.tier, lookup.kind === 'stale')
      return (lookup.tier === 'l1' ? this.handOut(lookup.entry.value) : lookup.entry.value) as Value
    }
    this.recordMiss(resolved)
    return undefined
  }

  /** True when a fresh value is cached. */
  async has(key: CacheKeyInput<unknown>): Promise<boolean> {
    if (!this.config.enabled) return false
    const resolved = this.resolve(key, {}, false)
    const lookup = await this.lookup(resolved).catch((error: unknown) => this.readFailed(resolved, 'has', error))
    return lookup.kind === 'fresh'
  }

  /** Reads many keys in one round trip (split per slot on a cluster); `undefined` for misses. */
  async getMany<Value>(keys: readonly CacheKeyInput<Value>[]): Promise<(Value | undefined)[]> {
    if (!Array.isArray(keys)) throw new ValidationError(`getMany takes an array of keys, got ${describeValue(keys)}`)
    if (!this.config.enabled) return keys.map(() => undefined)
    const resolved = keys.map((key) => this.resolve(key, {}, false))
    const now = Date.now()
    const results: (Value | undefined)[] = new Array(keys.length).fill(undefined)
    const remote: number[] = []
    resolved.forEach((r, index) => {
      const hit = this.config.l1?.cache.get(r.rel, now)
      if (hit !== undefined && hit.expiresAt > now && (hit.tags.length === 0 || this.localVerdict(hit, now) === 'valid')) {
        results[index] = this.handOut(hit.value) as Value
        this.recordHit(r, 'l1')
      } else remote.push(index)
    })
    if (remote.length === 0) return results
    const ticket = this.fence.ticket()
    let texts: (string | null)[]
    try {
      texts = await this.driver.mget(remote.map((index) => (resolved[index] as Resolved).full))
    } catch (error) {
      this.readFailed(resolved[0] as Resolved, 'getMany', error)
      for (const index of remote) this.recordMiss(resolved[index] as Resolved)
      return results
    }
    await Promise.all(
      remote.map(async (index, position) => {
        const r = resolved[index] as Resolved
        const text = texts[position] ?? null
        let lookup: Lookup
        try {
          lookup = await this.checkTags(await this.interpret(r, text, Date.now()), text)
        } catch (error) {
          lookup = this.readFailed(r, 'getMany', error)
        }
        if (lookup.kind === 'fresh') {
          results[index] = lookup.entry.value as Value
          this.remember(r, lookup.entry, texts[position]?.length ?? 0, ticket)
          this.recordHit(r, 'remote')
        } else this.recordMiss(r)
      }),
    )
    return results
  }

  /**
   * Stores a value (write-through). Resolves `true` once the driver has it; `false` when
   * the driver failed (reported as `degraded`; the L1 tier still has it). Rejects only for
   * bad input, e.g. a value the codec cannot serialize: then nothing is written.
   */
  async set<Value>(key: CacheKeyInput<Value>, value: Value, options: CacheCallOptions<Value> = {}): Promise<boolean> {
    if (typeof options !== 'object' || options === null) throw optionsError('set', options)
    if (!this.config.enabled) return false
    const resolved = this.resolve(key, options)
    return this.store(resolved, value, options)
  }

  /**
   * Stores many values; all are serialized before anything is written. The writes go
   * out together (pipelined) and other instances hear about them in one bus message.
   */
  async setMany<Value>(
    entries: readonly { key: CacheKeyInput<Value>; value: Value; options?: CacheCallOptions<Value> }[],
    options: SetManyOptions = {},
  ): Promise<boolean> {
    if (!Array.isArray(entries)) throw new ValidationError(`setMany takes an array of { key, value, options? }, got ${describeValue(entries)}`)
    if (typeof options !== 'object' || options === null) throw optionsError('setMany', options)
    if (!this.config.enabled) return false
    const prepared = entries.map((item: unknown) => {
      if (typeof item !== 'object' || item === null) throw new ValidationError(`setMany entries are { key, value, options? }, got ${describeValue(item)}`)
      const { key, value, options: callOptions = {} } = item as (typeof entries)[number]
      if (typeof callOptions !== 'object' || callOptions === null) throw optionsError('setMany entry', callOptions)
      const resolved = this.resolve(key, callOptions)
      return { resolved, value, ...this.encode(resolved, value, callOptions) }
    })
    const keep = options.l1 !== false
    if (!keep) for (const item of prepared) this.config.l1?.cache.delete(item.resolved.rel)
    const stored = await Promise.all(prepared.map((item) => this.write(item.resolved, item.entry, item.text, { announce: false, remember: keep })))
    const written = prepared.filter((_, index) => stored[index]).map((item) => item.resolved.full)
    if (written.length > 0) this.config.bus?.publish('set', written)
    return stored.every(Boolean)
  }

  /**
   * Write-through update: runs `writer` (your database write) and stores what it
   * returns. If `writer` throws, the cache is left untouched and the error propagates,
   * so the cache never holds a value the database refused.
   */
  async update<Value>(key: CacheKeyInput<Value>, writer: () => Value | Promise<Value>, options: CacheCallOptions<Value> = {}): Promise<Value> {
    if (typeof writer !== 'function') throw new ValidationError(`update needs a writer function, got ${describeValue(writer)}`)
    if (typeof options !== 'object' || options === null) throw optionsError('update', options)
    const resolved = this.config.enabled ? this.resolve(key, options) : undefined
    const value = await writer()
    if (resolved) await this.store(resolved, value, options)
    return value
  }

  /**
   * Deletes keys everywhere (driver, this L1, other instances' L1) in one round trip
   * (split per slot on a cluster). Resolves how many existed remotely. A driver failure
   * resolves 0 and is reported as `degraded`, unless `onError: 'throw'`.
   */
  async delete(keys: CacheKeyInput<unknown> | readonly CacheKeyInput<unknown>[], options: { onError?: 'fail-open' | 'throw' } = {}): Promise<number> {
    return (await this.deleteReporting(keys, options)).deleted
  }

  /**
   * As {@link delete}, saying also whether the delete had to wait in the outbox.
   * @internal
   */
  async deleteReporting(keys: CacheKeyInput<unknown> | readonly CacheKeyInput<unknown>[], options: { onError?: 'fail-open' | 'throw' } = {}): Promise<{ deleted: number; queued: boolean }> {
    if (typeof options !== 'object' || options === null) throw optionsError('delete', options)
    if (!this.config.enabled) return { deleted: 0, queued: false }
    const list = (Array.isArray(keys) ? keys : [keys]) as CacheKeyInput<unknown>[]
    const resolved = list.map((key) => this.resolve(key, {}, false))
    const full = resolved.map((r) => r.full)
    for (const r of resolved) this.keyChanged(r.rel, r.full)
    for (const r of resolved) this.stats_.count(r.family, 'deletes')
    this.config.events.emit('delete', { keys: full })
    try {
      return { deleted: await this.driver.del(full), queued: false }
    } catch (error) {
      // Sent again once the driver answers; meanwhile this process treats the keys as deleted.
      if (error instanceof DriverError) this.outbox.addKeys(full)
      if (this.onError(options) === 'throw') throw error
      this.writeFailed(resolved[0], 'delete', error)
      return { deleted: 0, queued: error instanceof DriverError }
    } finally {
      // A read on the wire during the delete may have brought the old entry back: drop it again.
      for (const r of resolved) this.keyChanged(r.rel, r.full)
      // Announced once the delete landed: an instance that re-reads at once must not find the old entry.
      this.config.bus?.publish('del', full)
    }
  }

  /**
   * Makes every entry that carries any of `tags` a miss on its next read, in every
   * process. Costs one small write per tag, however many entries carry it: each tag
   * keeps an invalidation time (`<prefix>__tag:<tag>`) that reads compare with the
   * entry's creation time, and the bus tells every process at once. An entry whose
   * loader was running during the invalidation is reached too. Resolves once the stamps
   * are stored; rejects with the driver's error when they could not be (this process
   * then stops serving the entries anyway).
   *
   * @throws {ValidationError} for tags that are not non-empty strings or an unknown mode.
   * @example
   * await kit.cache.invalidateTags([`video:${videoId}`])
   */
  async invalidateTags(tags: readonly string[], options: TagInvalidationOptions = {}): Promise<TagInvalidationReport> {
    const startedAt = Date.now()
    const { tags: list, mode, label } = resolveTagInvalidation(tags, options)
    if (!this.config.enabled || list.length === 0) return { tags: list, mode: label, invalidatedAt: 0, durationMs: 0, queued: [] }
    const stampMs = Date.now()
    // Callers from now on must not join a read or load that began before the stamp.
    this.forgetFlights()
    const { failed, error } = await this.tags.invalidate(list, mode, stampMs, this.tagMaxAgeMs)
    // Announced for the stored stamps; the failed ones are announced when the outbox replays them.
    const stored = failed.length === 0 ? list : list.filter((tag) => !failed.includes(tag))
    if (stored.length > 0) this.config.bus?.publish('tags', stored, { m: mode, at: stampMs })
    if (failed.length > 0) {
      this.outbox.addTags(failed.map((tag) => ({ tag, mode, stampMs })))
      if (this.onError(options) === 'throw' || !(error instanceof DriverError)) throw error
      this.writeFailed(undefined, 'invalidateTags', error)
    }
    // Entries created in the stamp's millisecond count as invalidated: let the clock move
    // on, so whatever this process loads after the call returns is valid.
    if (Date.now() <= stampMs) await sleep(stampMs + 1 - Date.now())
    const report: TagInvalidationReport = { tags: list, mode: label, invalidatedAt: stampMs, durationMs: Date.now() - startedAt, queued: failed }
    this.config.events.emit('invalidate', { kind: 'tags', tags: list, mode: label })
    return report
  }

  /**
   * Deletes every entry whose key matches `pattern` (relative to the namespace, Redis
   * glob syntax), by SCAN in batches of `batchSize` and UNLINK, on every master of a
   * Cluster; never `KEYS`. Build patterns with the key builders, which escape user
   * input: `keys.videoList.pattern({ sort: 'new' })`. Whatever the pattern, only keys
   * under this kit's prefix can match, and cachekit's own `__` keys are never deleted.
   * Other processes drop their L1 copies batch by batch. Rejects with the driver's
   * error (what was deleted stays deleted), or with the signal's reason when aborted.
   *
   * @throws {ValidationError} for an empty pattern, one starting with `__`, a kit
   * without a prefix, or a bad `batchSize`.
   * @example
   * await kit.cache.invalidatePattern(keys.videoList.pattern({ sort: 'new' }), { onProgress: console.log })
   */
  async invalidatePattern(pattern: string, options: PatternInvalidationOptions = {}): Promise<PatternInvalidationReport> {
    return this.deleteMatching(pattern, options, 'pattern')
  }

  /**
   * Deletes every cache entry of this kit's namespace (SCAN + UNLINK, never FLUSHDB),
   * and every process's L1 tier. Other namespaces on the same server are untouched, and
   * so are cachekit's own keys (locks, rate limits, tag stamps).
   *
   * @throws {ValidationError} for a kit without a prefix: its namespace would be the whole server.
   * @example
   * await kit.cache.clear()
   */
  async clear(options: PatternInvalidationOptions = {}): Promise<PatternInvalidationReport> {
    const report = await this.deleteMatching('*', options, 'clear')
    this.everythingChanged()
    if (this.config.enabled) this.config.bus?.publish('clear', [])
    return report
  }

  /** Hit, miss and load counters per key family. */
  stats(): Record<string, FamilyStats> {
    return this.stats_.snapshot()
  }

  /** The full driver key for `key` (namespace applied): what you would see in `redis-cli`. */
  keyOf(key: CacheKeyInput<unknown>): string {
    return this.resolve(key, {}, false).full
  }

  // ---- invalidation ----

  private async deleteMatching(pattern: string, options: PatternInvalidationOptions, kind: 'pattern' | 'clear'): Promise<PatternInvalidationReport> {
    const target = {
      driver: this.driver,
      namespace: this.namespace,
      onDeleted: (keys: string[]) => {
        for (const key of keys) {
          const rel = this.namespace.strip(key)
          if (rel !== null) this.keyChanged(rel, key)
        }
        this.config.bus?.publish('del', keys)
      },
    }
    const events = this.config.events
    const onProgress = (progress: PatternProgress) => {
      options.onProgress?.(progress)
      events.emit('invalidate-progress', progress)
    }
    if (!this.config.enabled) {
      // Still checked, so a bad pattern fails the same way with the kill switch on.
      return { pattern: qualifyPattern(this.namespace, pattern), scanned: 0, deleted: 0, batches: 0, durationMs: 0 }
    }
    const report = await deleteByPattern(target, pattern, { ...options, onProgress })
    events.emit('invalidate', { kind, pattern: report.pattern, deleted: report.deleted })
    return report
  }

  // ---- read path ----

  private getOrSetSlow<Value>(resolved: Resolved, loader: Loader<Value>, options: GetOrSetOptions<Value>): Promise<Value> {
    if (options.forceFresh) {
      const loading = this.loads.run(resolved.full, () => this.loadAndStore(resolved, loader, options, undefined))
      return this.settle(resolved, loading.then((value): Outcome<Value> => ({ value, kind: 'miss' })))
    }
    const shared = this.reads.pending<Outcome<Value>>(resolved.full)
    if (shared) return this.settle(resolved, shared)
    // A remote hit is the common case: one GET (shared with concurrent callers of the same
    // key), no shared-flight bookkeeping. Anything else (miss, stale, lease, invalid,
    // failure) continues as one shared flight per key, reusing what this GET already read.
    const get = this.gets.get(resolved.full) ?? this.startGet(resolved.full)
    const ticket = get.ticket
    return get.read.then(
      (text) => {
        const now = Date.now()
        const lookup = this.interpret(resolved, text, now)
        // Tagged entries take the fast path only when this process trusts their tags' stamps.
        if (!(lookup instanceof Promise) && lookup.kind === 'fresh' && (lookup.entry.tags.length === 0 || this.localVerdict(lookup.entry, now) === 'valid')) {
          this.remember(resolved, lookup.entry, text?.length ?? 0, ticket)
          this.recordHit(resolved, 'remote')
          return lookup.entry.value as Value
        }
        return this.settle(
          resolved,
          this.reads.run(resolved.full, async () => {
            let checked: Lookup
            try {
              checked = await this.checkTags(await lookup, text)
            } catch (error) {
              // A tag stamp that cannot be read fails like the read itself.
              return this.readFailedThrough(resolved, loader, options, error)
            }
            return this.continueRead(resolved, loader, options, checked, text, ticket)
          }),
        )
      },
      (error: unknown) => this.settle(resolved, this.reads.run(resolved.full, () => this.readFailedThrough(resolved, loader, options, error))),
    )
  }

  private startGet(full: string): SharedGet {
    const get: SharedGet = { read: this.driver.get(full), ticket: this.fence.ticket() }
    this.gets.set(full, get)
    const clear = (): void => {
      if (this.gets.get(full) === get) this.gets.delete(full)
    }
    get.read.then(clear, clear)
    return get
  }

  /** Counts a shared outcome for this caller and returns its value. */
  private async settle<Value>(resolved: Resolved, shared: Promise<Outcome<Value>>): Promise<Value> {
    const outcome = await shared
    if (outcome.kind === 'hit') this.recordHit(resolved, outcome.tier ?? 'remote')
    else if (outcome.kind === 'stale') this.recordHit(resolved, outcome.tier ?? 'remote', true)
    else this.recordMiss(resolved)
    return this.handOut(outcome.value) as Value
  }

  /** The shared work of concurrent `getOrSet` calls on one key, after the first read. */
  private async continueRead<Value>(
    resolved: Resolved,
    loader: Loader<Value>,
    options: GetOrSetOptions<Value>,
    lookup: Lookup,
    text: string | null,
    ticket: number,
  ): Promise<Outcome<Value>> {
    if (lookup.kind === 'fresh' || lookup.kind === 'stale') this.remember(resolved, lookup.entry, text?.length ?? 0, ticket)
    if (lookup.kind === 'fresh') return { value: lookup.entry.value as Value, kind: 'hit', tier: lookup.tier }
    if (lookup.kind === 'stale') return this.serveStale(resolved, loader, options, lookup.entry, lookup.tier)
    return { value: await this.loads.run(resolved.full, () => this.loadWithLease(resolved, loader, options, lookup)), kind: 'miss' }
  }

  /** The driver failed on the first read: fail open to the loader (one shared call), or rethrow. */
  private async readFailedThrough<Value>(resolved: Resolved, loader: Loader<Value>, options: GetOrSetOptions<Value>, error: unknown): Promise<Outcome<Value>> {
    if (!(error instanceof DriverError) || this.onError(options) === 'throw') throw error
    this.emitDegraded(resolved, 'get', error)
    return { value: await this.loads.run(resolved.full, () => this.runLoader(resolved, loader, options, undefined)), kind: 'miss' }
  }

  /** Within grace: answer stale at once (or after the soft timeout) while one refresh runs. */
  private async serveStale<Value>(resolved: Resolved, loader: Loader<Value>, options: GetOrSetOptions<Value>, entry: StoredEntry, tier: Tier): Promise<Outcome<Value>> {
    const stale = entry.value as Value
    const refresh = this.refresh(resolved, loader, options, stale)
    if (options.staleWhileRevalidate !== false) return { value: stale, kind: 'stale', tier }
    const softMs = options.timeout === undefined ? undefined : parseDuration(options.timeout, 'timeout')
    const fresh = await raceTimeout(refresh, softMs)
    return fresh.done && fresh.value !== undefined ? { value: fresh.value, kind: 'miss' } : { value: stale, kind: 'stale', tier }
  }

  /**
   * Refreshes a stale entry once: in process via single flight, across processes via a
   * refresh lease beside the key. Resolves the fresh value, or undefined when another
   * instance is refreshing or the loader failed (stale keeps being served).
   */
  private refresh<Value>(resolved: Resolved, loader: Loader<Value>, options: GetOrSetOptions<Value>, stale: Value): Promise<Value | undefined> {
    // A foreground load of this key is already running: it refreshes the entry (its failure is reported there).
    const loading = this.loads.pending<Value>(resolved.full)
    if (loading) return loading.catch(() => undefined)
    return this.refreshes
      .run(resolved.full, async () => {
        // A space never appears in keys built by defineKeys (it is always escaped), so the
        // lease cannot collide with an entry; it stays inside the namespace for clear().
        const leaseKey = `${resolved.full} refresh-lease`
        const token = `${LEASE_PREFIX}${randomToken()}`
        const leased = await this.driver.set(leaseKey, token, { nx: true, ttlMs: this.config.leaseMs }).catch(() => true)
        if (!leased) return undefined as Value
        try {
          return await this.loadAndStore(resolved, loader, options, stale)
        } finally {
          this.driver.eval(compareAndDelete, [leaseKey], [token]).catch(() => undefined)
        }
      })
      .catch((error: unknown) => {
        this.stats_.count(resolved.family, 'loadErrors')
        this.config.events.emit('load-error', { key: resolved.full, family: resolved.family, error, servedStale: true })
        return undefined
      })
  }

  /**
   * A miss: take the key's lease (a marker written NX into the key itself, so it is one
   * key and cluster-safe) and load; or, when another instance holds it, wait for its
   * value, bounded by `waitMs`, then load anyway. A key holding an entry that must not be
   * served (a tag invalidated it, it fails to decode or validate, it is past its grace) is
   * claimed the same way: the lease replaces exactly that entry (compare and set), so one
   * instance loads while the others wait.
   */
  private async loadWithLease<Value>(resolved: Resolved, loader: Loader<Value>, options: GetOrSetOptions<Value>, found: Lookup): Promise<Value> {
    const deadline = Date.now() + this.config.waitMs
    let state = found
    for (;;) {
      if (state.kind === 'fresh' || state.kind === 'stale') return state.entry.value as Value
      if (state.kind !== 'lease') {
        const token = `${LEASE_PREFIX}${randomToken()}`
        const claimed = 'text' in state ? state.text : undefined
        let leased: boolean
        try {
          leased =
            claimed === undefined
              ? await this.driver.set(resolved.full, token, { nx: true, ttlMs: this.config.leaseMs })
              : await this.driver.eval(compareAndSet, [resolved.full], [claimed, token, String(this.config.leaseMs)])
        } catch (error) {
          if (!(error instanceof DriverError) || this.onError(options) === 'throw') throw error
          this.emitDegraded(resolved, 'lease', error)
          return this.runLoader(resolved, loader, options, undefined)
        }
        if (leased) return this.loadAndStore(resolved, loader, options, undefined, token)
      }
      if (Date.now() >= deadline) return this.loadAndStore(resolved, loader, options, undefined)
      state = await this.waitForFill(resolved, deadline)
    }
  }

  /** Polls (and listens on the bus) until the key holds a value, the lease vanishes, or the deadline. */
  private async waitForFill(resolved: Resolved, deadline: number): Promise<Lookup> {
    let pollMs = 5
    for (;;) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) return { kind: 'lease' }
      const waitMs = Math.min(pollMs, remaining)
      if (this.config.bus?.available) await this.config.bus.waitForWrite(resolved.full, waitMs)
      else await sleep(waitMs)
      pollMs = Math.min(pollMs * 2, 100)
      const lookup = await this.lookup(resolved)
      if (lookup.kind !== 'lease') return lookup
    }
  }

  /** Runs the loader and stores the result. With `leaseToken`, the write replaces the lease marker. */
  private async loadAndStore<Value>(resolved: Resolved, loader: Loader<Value>, options: GetOrSetOptions<Value>, stale: Value | undefined, leaseToken?: string): Promise<Value> {
    // The value is as old as the moment the loader started: a tag invalidation that lands
    // while it runs must still reach it (its createdAt is checked against tag stamps).
    const startedAt = Date.now()
    const ticket = this.fence.ticket()
    let value: Value
    try {
      value = await this.runLoader(resolved, loader, options, stale)
    } catch (error) {
      if (leaseToken) this.releaseLease(resolved, leaseToken)
      throw error
    }
    const nullish = value === null || value === undefined
    if (nullish && !options.cacheNullish) {
      if (leaseToken) this.releaseLease(resolved, leaseToken)
      return value
    }
    const storeOptions = nullish && options.cacheNullish ? { ...options, ttl: options.cacheNullish.ttl, grace: 0 } : options
    const stored = await this.store(resolved, value, storeOptions, startedAt, { ticket, leaseToken }).catch((error: unknown) => {
      if (leaseToken) this.releaseLease(resolved, leaseToken)
      throw error
    })
    // A skipped or failed write leaves the lease marker behind: free the key for others.
    if (!stored && leaseToken) this.releaseLease(resolved, leaseToken)
    return value
  }

  private async runLoader<Value>(resolved: Resolved, loader: Loader<Value>, options: GetOrSetOptions<Value>, stale: Value | undefined): Promise<Value> {
    const controller = new AbortController()
    const started = Date.now()
    const hardMs = options.hardTimeout === undefined ? undefined : parseDuration(options.hardTimeout, 'hardTimeout')
    try {
      const running = Promise.resolve().then(() => loader({ key: resolved.full, stale, signal: controller.signal }))
      const value = hardMs === undefined ? await running : await withHardTimeout(running, hardMs, controller, resolved.full)
      const durationMs = Date.now() - started
      this.stats_.recordLoad(resolved.family, durationMs)
      this.config.events.emit('load', { key: resolved.full, family: resolved.family, durationMs })
      return value
    } catch (error) {
      if (stale === undefined) {
        this.stats_.count(resolved.family, 'loadErrors')
        this.config.events.emit('load-error', { key: resolved.full, family: resolved.family, error, servedStale: false })
      }
      throw error
    }
  }

  private releaseLease(resolved: Resolved, token: string): void {
    this.driver.eval(compareAndDelete, [resolved.full], [token]).catch(() => undefined)
  }

  /** Reads one key: L1 first (fresh or stale), then the driver. Driver errors propagate. */
  private async lookup(resolved: Resolved): Promise<Lookup> {
    const now = Date.now()
    // A stale L1 entry is not served from L1: another instance may have refreshed it.
    const l1 = this.config.l1?.cache.get(resolved.rel, now)
    if (l1 !== undefined && l1.expiresAt > now) {
      // Without a trusted stamp for every tag, the driver is asked (and the stamps fetched).
      const verdict = l1.tags.length === 0 ? 'valid' : this.localVerdict(l1, now)
      if (verdict === 'valid') return { kind: 'fresh', entry: l1, tier: 'l1' }
      if (verdict === 'invalid') this.config.l1?.cache.delete(resolved.rel)
    }
    const ticket = this.fence.ticket()
    const text = await this.driver.get(resolved.full)
    const lookup = await this.checkTags(await this.interpret(resolved, text, Date.now()), text)
    if (lookup.kind === 'fresh' || lookup.kind === 'stale') this.remember(resolved, lookup.entry, text?.length ?? 0, ticket)
    return lookup
  }

  /** How a tagged entry stands by the stamps this process trusts; `undefined` when one is unknown. */
  private localVerdict(entry: StoredEntry, now: number): TagVerdict | undefined {
    return this.tags.localVerdict(entry, now)
  }

  /**
   * Applies tag invalidations to an entry read from the driver, fetching the stamps this
   * process does not trust (one GET per such tag, concurrently). A stamp that cannot be
   * read fails like the read itself: the caller treats it as a driver failure.
   */
  private async checkTags(lookup: Lookup, text: string | null): Promise<Lookup> {
    if ((lookup.kind !== 'fresh' && lookup.kind !== 'stale') || lookup.entry.tags.length === 0 || text === null) return lookup
    const now = Date.now()
    const verdict = judgeEntry(lookup.entry, await this.tags.stampsFor(lookup.entry.tags, lookup.entry.createdAt, now), now)
    if (verdict === 'valid') return lookup
    if (verdict === 'stale') return { kind: 'stale', entry: lookup.entry, tier: lookup.tier }
    return { kind: 'invalidated', text }
  }

  /** Decodes and validates stored text; synchronous unless the schema validates asynchronously. */
  private interpret(resolved: Resolved, text: string | null, now: number): Lookup | Promise<Lookup> {
    if (text === null) return MISS
    if (text.startsWith(LEASE_PREFIX)) return LEASE
    // Deleted by this process while the driver was away, and the delete not sent yet: claim and reload it.
    if (!this.outbox.empty && this.outbox.hasKey(resolved.full)) return { kind: 'invalidated', text }
    const decoded = this.config.codec.decode(text)
    if (decoded === undefined) {
      this.config.events.emit('invalid', { key: resolved.full, family: resolved.family, reason: 'corrupt' })
      return { kind: 'invalid', text }
    }
    if (decoded.staleUntil <= now) return { kind: 'expired', text }
    // Created later than any sane clock says: written by hand, and immune to every tag
    // invalidation until that time. Not served.
    if (decoded.createdAt > now + TAG_DEFAULTS.maxClockSkewMs) {
      this.config.events.emit('invalid', { key: resolved.full, family: resolved.family, reason: 'corrupt' })
      return { kind: 'invalid', text }
    }
    if (resolved.schema === undefined) return { kind: decoded.expiresAt > now ? 'fresh' : 'stale', entry: decoded, tier: 'remote' }
    // A stored value comes from a shared server: a validator that throws on it (a value
    // nested deeply enough to overflow the stack, say) makes the entry invalid, never the key unusable.
    let result: StandardSchemaResult<unknown> | Promise<StandardSchemaResult<unknown>>
    try {
      result = resolved.schema['~standard'].validate(decoded.value)
    } catch (error) {
      return this.schemaThrew(resolved, text, error)
    }
    return result instanceof Promise
      ? result.then(
          (settled) => this.validated(resolved, text, decoded, settled, now),
          (error: unknown) => this.schemaThrew(resolved, text, error),
        )
      : this.validated(resolved, text, decoded, result, now)
  }

  private schemaThrew(resolved: Resolved, text: string, error: unknown): Lookup {
    const issues = [{ message: `the schema threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` }]
    this.config.events.emit('invalid', { key: resolved.full, family: resolved.family, reason: 'schema', issues })
    return { kind: 'invalid', text }
  }

  private validated(resolved: Resolved, text: string, decoded: StoredEntry, result: StandardSchemaResult<unknown>, now: number): Lookup {
    if (result.issues) {
      this.config.events.emit('invalid', { key: resolved.full, family: resolved.family, reason: 'schema', issues: result.issues })
      return { kind: 'invalid', text }
    }
    const entry = { ...decoded, value: result.value }
    return { kind: entry.expiresAt > now ? 'fresh' : 'stale', entry, tier: 'remote' }
  }

  // ---- write path ----

  private async store<Value>(resolved: Resolved, value: Value, options: CacheCallOptions<Value>, createdAt?: number, load?: LoadedWrite): Promise<boolean> {
    const { entry, text } = this.encode(resolved, value, options, createdAt)
    return this.write(resolved, entry, text, { load })
  }

  /** Builds the entry; `createdAt` (default now) is when its data was read, for tag checks. */
  private encode<Value>(resolved: Resolved, value: Value, options: CacheCallOptions<Value>, createdAt?: number): { entry: StoredEntry; text: string } {
    const now = Date.now()
    const ttlMs = jittered(options.ttl === undefined ? resolved.ttlMs : parseDuration(options.ttl, 'ttl'), options.jitter)
    const graceMs = options.grace === undefined ? resolved.graceMs : parseDuration(options.grace, 'grace')
    if (ttlMs <= 0) throw new ValidationError(`ttl of ${JSON.stringify(resolved.full)} must be positive`)
    const extraTags = typeof options.tags === 'function' ? options.tags(value) : options.tags
    if (extraTags !== undefined) checkTags(extraTags, resolved.full)
    const tags = extraTags && extraTags.length > 0 ? [...new Set([...resolved.tags, ...extraTags])] : resolved.tags
    if (tags.length > 0) this.checkTaggedLifetime(resolved, ttlMs + graceMs)
    const entry: StoredEntry = { value, createdAt: Math.min(createdAt ?? now, now), expiresAt: now + ttlMs, staleUntil: now + ttlMs + graceMs, tags }
    return { entry, text: this.config.codec.encode(entry) }
  }

  /**
   * A tag stamp lives `tagMaxAgeMs`; an entry outliving it could come back to life once
   * the stamp that invalidated it expires. So a tagged entry may not live longer.
   */
  private checkTaggedLifetime(resolved: Resolved, lifetimeMs: number): void {
    if (lifetimeMs <= this.tagMaxAgeMs) return
    throw new ValidationError(
      `${JSON.stringify(resolved.full)} has tags and would live ${lifetimeMs} ms (ttl + grace), longer than tags.maxAge (${this.tagMaxAgeMs} ms): raise the kit's tags.maxAge or shorten the ttl`,
    )
  }

  /**
   * Stores an entry. A plain write (`set`, `setMany`, `update`) is the newest value: it
   * replaces this process's copy at once. A loader's result (`mode.load`) is stored only
   * if its key did not change while the loader ran, and, when the load holds the key's
   * lease, only over that lease (compare and set): a delete or another writer's value
   * that landed meanwhile wins over data read before it.
   */
  private async write(resolved: Resolved, entry: StoredEntry, text: string, mode: { announce?: boolean; remember?: boolean; load?: LoadedWrite } = {}): Promise<boolean> {
    if (this.config.admit && !this.config.admit(resolved.family, resolved.priority)) return false
    const { load } = mode
    if (load !== undefined && !this.fence.admits(resolved.rel, load.ticket)) return false
    const keep = mode.remember !== false
    if (load === undefined) this.keyChanged(resolved.rel, resolved.full)
    let copy = keep && load === undefined ? this.remember(resolved, entry, text.length) : undefined
    this.stats_.count(resolved.family, 'sets')
    this.config.events.emit('set', { key: resolved.full, family: resolved.family })
    try {
      const ttlMs = Math.max(1, entry.staleUntil - Date.now())
      const stored =
        load?.leaseToken === undefined
          ? await this.driver.set(resolved.full, text, { ttlMs })
          : await this.driver.eval(compareAndSet, [resolved.full], [load.leaseToken, text, String(ttlMs)])
      if (!stored) return false
      this.written(resolved.rel, copy)
      if (keep && load !== undefined) copy = this.remember(resolved, entry, text.length)
      if (entry.tags.length > 0) this.tags.wrote(entry.tags, entry.createdAt)
      if (mode.announce !== false) this.config.bus?.publish('set', [resolved.full])
      return true
    } catch (error) {
      if (!(error instanceof DriverError)) throw error
      this.writeFailed(resolved, 'set', error)
      return false
    }
  }

  /**
   * A write landed: a read that was on the wire meanwhile may have brought the old value
   * back into L1 (Redis may have answered it before the write). Drop any copy but ours.
   */
  private written(rel: string, copy: L1Entry | undefined): void {
    this.fence.change(rel)
    const l1 = this.config.l1?.cache
    if (l1 !== undefined && l1.peek(rel) !== copy) l1.delete(rel)
  }

  /**
   * Keeps a copy in L1. `ticket` is the fence ticket of the read that brought the entry:
   * a read that overlapped a change of its key keeps nothing. Without a ticket (this
   * process's own write) the copy is kept.
   */
  private remember(resolved: Resolved, entry: StoredEntry, bytes: number, ticket?: number): L1Entry | undefined {
    const l1 = this.config.l1
    // Until the bus is subscribed, another instance's write could go unnoticed: keep no copy.
    if (!l1 || (this.config.bus && !this.config.bus.ready)) return undefined
    if (ticket !== undefined && !this.fence.admits(resolved.rel, ticket)) return undefined
    // Its delete is waiting in the outbox: what Redis holds may be the deleted entry.
    if (!this.outbox.empty && this.outbox.hasKey(resolved.full)) return undefined
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

  // ---- failure handling ----

  private readFailed(resolved: Resolved, operation: string, error: unknown): Lookup {
    if (!(error instanceof DriverError) || this.config.onError === 'throw') throw error
    this.emitDegraded(resolved, operation, error)
    return { kind: 'miss' }
  }

  private writeFailed(resolved: Resolved | undefined, operation: string, error: unknown): void {
    if (this.config.onError === 'throw') throw error
    if (resolved) this.stats_.count(resolved.family, 'errors')
    this.config.onDegraded({ key: resolved?.full, family: resolved?.family, operation, error })
  }

  private emitDegraded(resolved: Resolved, operation: string, error: unknown): void {
    this.stats_.count(resolved.family, 'errors')
    this.config.onDegraded({ key: resolved.full, family: resolved.family, operation, error })
  }

  private onError(options: { onError?: 'fail-open' | 'throw' }): 'fail-open' | 'throw' {
    return options.onError ?? this.config.onError
  }

  private async passThrough<Value>(key: CacheKeyInput<Value>, loader: Loader<Value>): Promise<Value> {
    const name = typeof key === 'string' ? key : key.key
    return loader({ key: name, stale: undefined, signal: new AbortController().signal })
  }

  // ---- coherence ----

  /** Publishes on the bus; true when it was sent (or there is no bus to tell). */
  private announce(type: 'del' | 'tags', keys: string[], extra?: { m: 'hard' | 'soft'; at: number }): Promise<boolean> {
    return this.config.bus === undefined ? Promise.resolve(true) : this.config.bus.publish(type, keys, extra)
  }

  /**
   * Sends the invalidations waiting in the outbox now. The kit calls it when the driver
   * answers again after an outage; the outbox also retries by itself with backoff.
   * @internal
   */
  replayInvalidations(): Promise<void> {
    return this.outbox.replay()
  }

  /** Invalidations waiting for the driver, and how many were dropped. */
  pendingInvalidations(): OutboxStatus {
    return this.outbox.status()
  }

  /**
   * Tries once more to send what waits, then stops the outbox's retries. What is still
   * waiting is lost with the process (its entries expire with their TTL).
   * @internal
   */
  async close(): Promise<void> {
    await this.outbox.replay()
    this.outbox.close()
  }

  /**
   * `rel` changed (written or deleted here, or announced by another instance): drop this
   * process's copy, keep replies already on the wire out of L1 and storage, and let later
   * callers start afresh instead of joining a read or load that began before the change.
   */
  private keyChanged(rel: string, full: string): void {
    this.fence.change(rel)
    this.config.l1?.cache.delete(rel)
    this.gets.delete(full)
    this.reads.forget(full)
    this.loads.forget(full)
  }

  /** As {@link keyChanged}, for every key (a clear, or a gap in what the bus told this process). */
  private everythingChanged(): void {
    this.fence.changeAll()
    this.config.l1?.cache.clear()
    this.forgetFlights()
  }

  private forgetFlights(): void {
    this.gets.clear()
    this.reads.forgetAll()
    this.loads.forgetAll()
  }

  /** A value another caller may also hold (an L1 copy, a shared outcome): a copy with `l1.clone`. */
  private handOut(value: unknown): unknown {
    return this.config.l1?.clone === true ? structuredClone(value) : value
  }

  // ---- bookkeeping ----

  private recordHit(resolved: Resolved, tier: Tier, stale = false): void {
    this.stats_.count(resolved.family, stale ? 'staleHits' : 'hits')
    if (tier === 'l1') this.stats_.count(resolved.family, 'l1Hits')
    const events = this.config.events
    const name = stale ? 'stale-hit' : 'hit'
    if (events.has(name)) events.emit(name, { key: resolved.full, family: resolved.family, tier })
  }

  private recordL1Hit(family: string, key: CacheKeyInput<unknown>): void {
    this.stats_.countL1Hit(family)
    const events = this.config.events
    if (events.has('hit')) events.emit('hit', { key: this.namespace.key(typeof key === 'string' ? key : key.key), family, tier: 'l1' })
  }

  private recordMiss(resolved: Resolved): void {
    this.stats_.count(resolved.family, 'misses')
    if (this.config.events.has('miss')) this.config.events.emit('miss', { key: resolved.full, family: resolved.family })
  }

  /** Resolves a key and its policy. Reads pass `needsTtl = false`: only writes need a TTL. */
  private resolve<Value>(key: CacheKeyInput<Value>, options: CacheCallOptions<Value>, needsTtl = true): Resolved {
    if (typeof key === 'string') {
      if (key.length === 0) throw new ValidationError('cache key must not be empty')
      // A segment starting with '__' belongs to a feature of this kit, or of a kit nested below it (`prod:__lock:...`).
      if (hasReservedSegment(key)) throw new ValidationError(`cache key ${JSON.stringify(key)}: segments starting with '__' are reserved for cachekit's own features`)
      const ttlMs = options.ttl === undefined ? this.config.defaultTtlMs : parseDuration(options.ttl, 'ttl')
      if (ttlMs === undefined && !needsTtl) return { full: this.namespace.key(key), rel: key, family: familyOf(key), priority: 'normal', ttlMs: 0, graceMs: 0, tags: NO_TAGS, schema: undefined }
      if (ttlMs === undefined) throw new ValidationError(`cache key ${JSON.stringify(key)} has no ttl: pass { ttl } or set the kit's defaultTtl`)
      return { full: this.namespace.key(key), rel: key, family: familyOf(key), priority: 'normal', ttlMs, graceMs: this.config.defaultGraceMs, tags: NO_TAGS, schema: undefined }
    }
    if (typeof key !== 'object' || key === null || typeof key.key !== 'string') {
      throw new ValidationError('cache key must be a string or a key built by defineKeys')
    }
    return { full: this.namespace.key(key.key), rel: key.key, family: key.family, priority: key.priority, ttlMs: key.ttlMs, graceMs: key.graceMs, tags: key.tags, schema: key.schema }
  }
}

function optionsError(method: string, options: unknown): ValidationError {
  return new ValidationError(`${method} options must be an object, got ${describeValue(options)}`)
}

/** Per-call tags end up in tag keys: each must be a non-empty, well-formed string. */
function checkTags(tags: unknown, key: string): void {
  if (!Array.isArray(tags)) throw new ValidationError(`tags of ${JSON.stringify(key)} must be an array of strings`)
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length === 0 || !tag.isWellFormed()) {
      throw new ValidationError(`tags of ${JSON.stringify(key)} must be non-empty strings, got ${JSON.stringify(tag)}`)
    }
  }
}

/** The family of a plain string key: its first segment. */
function familyOf(key: string): string {
  const colon = key.indexOf(':')
  return colon > 0 ? key.slice(0, colon) : key
}

function jittered(ttlMs: number, jitter: number | undefined): number {
  if (!jitter) return ttlMs
  if (!(jitter >= 0 && jitter <= 1)) throw new ValidationError(`jitter must be between 0 and 1, got ${jitter}`)
  return Math.max(1, Math.round(ttlMs * (1 - Math.random() * jitter)))
}

function randomToken(): string {
  return globalThis.crypto.randomUUID()
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function raceTimeout<T>(promise: Promise<T>, ms: number | undefined): Promise<{ done: true; value: T } | { done: false }> {
  if (ms === undefined) return { done: true, value: await promise }
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms)
  })
  try {
    return await Promise.race([promise.then((value) => ({ done: true as const, value })), timeout])
  } finally {
    clearTimeout(timer)
  }
}

function withHardTimeout<T>(promise: Promise<T>, ms: number, controller: AbortController, key: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new LoaderTimeoutError(key, ms)
      controller.abort(error)
      reject(error)
    }, ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
