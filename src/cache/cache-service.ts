/**
 * `kit.cache`: cache-aside with stampede protection (in process and across processes),
 * stale-while-revalidate with grace, write-through, an optional L1 tier, and one failure
 * policy: a failing driver never fails a read; the loader answers and `degraded` says so.
 *
 * This file holds the public methods only. The work is done by one part per job:
 * resolve-key (keys and their policy), read-path (shared flights, leases, waiting),
 * loader-run (timeouts, storing), lookup (decoding, schema, tags, `isServable`),
 * entry-writer (envelope, TTL, jitter, the write), coherence (L1 copies, flights, the
 * change fence), invalidator (deletes, tags, patterns, the outbox, the bus) and reporter
 * (stats and events).
 */
import { describeValue } from '../core/describe-value.js'
import { GiveBacks } from '../core/give-backs.js'
import { ValidationError } from '../core/errors/index.js'
import type { PatternInvalidationOptions, PatternInvalidationReport } from '../invalidation/pattern.js'
import type { TagInvalidationOptions, TagInvalidationReport } from '../invalidation/tag-invalidation.js'
import { TAG_DEFAULTS, TagStamps } from '../invalidation/tag-stamps.js'
import { compareAndDelete } from '../scripts/compare-and-delete.js'
import { Coherence } from './coherence.js'
import type { CacheKeyInput, CacheServiceConfig, SetManyOptions } from './config.js'
import { EntryWriter } from './entry-writer.js'
import { Invalidator } from './invalidator.js'
import { LoaderRun } from './loader-run.js'
import { EntryReader, MISS, type Lookup } from './lookup.js'
import type { OutboxStatus } from './outbox.js'
import { ReadPath } from './read-path.js'
import { CacheReporter } from './reporter.js'
import { familyOf, KeyResolver, type Resolved } from './resolve-key.js'
import type { FamilyStats } from './stats.js'
import type { CacheCallOptions, GetOrSetOptions, Loader } from './types.js'

export type { CacheKeyInput, CacheServiceConfig, EntryCodec, SetManyOptions } from './config.js'

export class CacheService {
  private readonly config: CacheServiceConfig
  private readonly keys: KeyResolver
  private readonly reporter: CacheReporter
  private readonly coherence: Coherence
  private readonly reader: EntryReader
  private readonly writer: EntryWriter
  private readonly reads: ReadPath
  private readonly invalidator: Invalidator
  private readonly giveBacks = new GiveBacks()

  constructor(config: CacheServiceConfig) {
    this.config = config
    const { driver, namespace, bus } = config
    const tagMaxAgeMs = config.tagMaxAgeMs ?? TAG_DEFAULTS.maxAgeMs
    const trustMs = config.tagTrustMs
    const tags = new TagStamps({
      driver,
      namespace,
      // Announced invalidations keep local stamps current only while the bus is subscribed.
      trustMs: () => trustMs ?? (bus?.ready ? TAG_DEFAULTS.trustWithBusMs : TAG_DEFAULTS.trustWithoutBusMs),
      maxRecords: TAG_DEFAULTS.maxRecords,
      maxAgeMs: tagMaxAgeMs,
    })
    this.keys = new KeyResolver(namespace, { ttlMs: config.defaultTtlMs, graceMs: config.defaultGraceMs })
    this.reporter = new CacheReporter(config.events, namespace, config.onDegraded, config.onError)
    // The invalidator is built last, but its outbox decides which keys may not be copied or served.
    const pendingDelete = (full: string): boolean => this.invalidator.pendingDelete(full)
    this.coherence = new Coherence(config.l1, bus, pendingDelete)
    this.reader = new EntryReader(config.codec, tags, this.reporter, pendingDelete)
    this.writer = new EntryWriter({
      driver,
      codec: config.codec,
      bus,
      tags,
      tagMaxAgeMs,
      coherence: this.coherence,
      reporter: this.reporter,
      admit: config.admit,
    })
    // A lease given back late is still safe (token-guarded); one nobody gives back blocks others for the lease time.
    const giveBack = (key: string, token: string): void =>
      this.giveBacks.giveBack(key, token, config.leaseMs, () => driver.eval(compareAndDelete, [key], [token]))
    const loaders = new LoaderRun(this.writer, this.coherence, this.reporter, giveBack)
    this.reads = new ReadPath({
      driver,
      bus,
      leaseMs: config.leaseMs,
      waitMs: config.waitMs,
      coherence: this.coherence,
      reader: this.reader,
      loaders,
      reporter: this.reporter,
      giveBack,
    })
    this.invalidator = new Invalidator({
      driver,
      namespace,
      bus,
      tags,
      tagMaxAgeMs,
      coherence: this.coherence,
      reporter: this.reporter,
      enabled: config.enabled,
    })
  }

  /**
   * Returns the cached value, or runs `loader`, stores its result and returns it.
   * Concurrent calls for one key share one loader call, in this process and (with a
   * shared driver) across processes. Within grace the stale value is returned at once
   * while one background refresh runs. Never rejects because of the driver (unless
   * `onError: 'throw'`); rejects with the loader's own error when there is nothing to serve.
   *
   * @throws {ValidationError} for a bad key, loader or options.
   * @example
   * const user = await kit.cache.getOrSet(keys.user({ id: 42 }), () => db.user(42))
   */
  getOrSet<Value>(key: CacheKeyInput<Value>, loader: Loader<Value>, options: GetOrSetOptions<Value> = {}): Promise<Value> {
    if (typeof loader !== 'function')
      return Promise.reject(new ValidationError(`getOrSet needs a loader function, got ${describeValue(loader)}`))
    if (typeof options !== 'object' || options === null) return Promise.reject(optionsError('getOrSet', options))
    if (!this.config.enabled) return passThrough(key, loader)
    const l1 = this.config.l1
    if (l1 !== undefined && options.forceFresh !== true) {
      // The hot path: no key resolution, no allocation. L1 is keyed by the relative key,
      // a string the caller's key object already holds (its hash is cached by V8).
      const now = Date.now()
      const rel = typeof key === 'string' ? key : key.key
      const hit = l1.cache.get(rel, now)
      if (hit !== undefined && this.reader.isServable(hit, now)) {
        this.reporter.l1Hit(typeof key === 'string' ? familyOf(key) : key.family, rel)
        return Promise.resolve((l1.clone ? structuredClone(hit.value) : hit.value) as Value)
      }
    }
    let resolved: Resolved
    try {
      resolved = this.keys.resolve(key, options)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.reads.getOrSet(resolved, loader, options)
  }

  /** The fresh cached value, or `undefined`. With `allowStale`, a value within grace too. Fails open to `undefined`. */
  async get<Value>(key: CacheKeyInput<Value>, options: { allowStale?: boolean } = {}): Promise<Value | undefined> {
    if (typeof options !== 'object' || options === null) throw optionsError('get', options)
    if (!this.config.enabled) return undefined
    const resolved = this.keys.resolve(key, {}, false)
    const lookup = await this.readOne(resolved, 'get')
    if (lookup.kind === 'fresh' || (lookup.kind === 'stale' && options.allowStale)) {
      this.reporter.hit(resolved, lookup.tier, lookup.kind === 'stale')
      return (lookup.tier === 'l1' ? this.coherence.handOut(lookup.entry.value) : lookup.entry.value) as Value
    }
    this.reporter.miss(resolved)
    return undefined
  }

  /** True when a fresh value is cached. */
  async has(key: CacheKeyInput<unknown>): Promise<boolean> {
    if (!this.config.enabled) return false
    const resolved = this.keys.resolve(key, {}, false)
    return (await this.readOne(resolved, 'has')).kind === 'fresh'
  }

  /** Reads many keys in one round trip (split per slot on a cluster); `undefined` for misses. */
  async getMany<Value>(keys: readonly CacheKeyInput<Value>[]): Promise<(Value | undefined)[]> {
    if (!Array.isArray(keys)) throw new ValidationError(`getMany takes an array of keys, got ${describeValue(keys)}`)
    if (!this.config.enabled) return keys.map(() => undefined)
    const { coherence, reader, reporter } = this
    const resolved = keys.map((key) => this.keys.resolve(key, {}, false))
    const now = Date.now()
    const results: (Value | undefined)[] = new Array(keys.length).fill(undefined)
    const remote: number[] = []
    resolved.forEach((r, index) => {
      const hit = coherence.l1?.cache.get(r.rel, now)
      if (hit !== undefined && reader.isServable(hit, now)) {
        results[index] = coherence.handOut(hit.value) as Value
        reporter.hit(r, 'l1')
      } else remote.push(index)
    })
    if (remote.length === 0) return results
    const ticket = coherence.fence.ticket()
    let texts: (string | null)[]
    try {
      texts = await this.config.driver.mget(remote.map((index) => (resolved[index] as Resolved).full))
    } catch (error) {
      reporter.readFailed(resolved[0] as Resolved, 'getMany', error)
      for (const index of remote) reporter.miss(resolved[index] as Resolved)
      return results
    }
    await Promise.all(
      remote.map(async (index, position) => {
        const r = resolved[index] as Resolved
        const text = texts[position] ?? null
        let lookup: Lookup
        try {
          lookup = await reader.complete(r, text)
        } catch (error) {
          reporter.readFailed(r, 'getMany', error)
          lookup = MISS
        }
        if (lookup.kind === 'fresh') {
          results[index] = lookup.entry.value as Value
          coherence.remember(r, lookup.entry, text?.length ?? 0, ticket)
          reporter.hit(r, 'remote')
        } else reporter.miss(r)
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
    return this.writer.store(this.keys.resolve(key, options), value, options)
  }

  /**
   * Stores many values; all are serialized before anything is written. The writes go
   * out together (pipelined) and other instances hear about them in one bus message.
   */
  async setMany<Value>(
    entries: readonly { key: CacheKeyInput<Value>; value: Value; options?: CacheCallOptions<Value> }[],
    options: SetManyOptions = {},
  ): Promise<boolean> {
    if (!Array.isArray(entries))
      throw new ValidationError(`setMany takes an array of { key, value, options? }, got ${describeValue(entries)}`)
    if (typeof options !== 'object' || options === null) throw optionsError('setMany', options)
    if (!this.config.enabled) return false
    const prepared = entries.map((item: unknown) => {
      if (typeof item !== 'object' || item === null)
        throw new ValidationError(`setMany entries are { key, value, options? }, got ${describeValue(item)}`)
      const { key, value, options: callOptions = {} } = item as (typeof entries)[number]
      if (typeof callOptions !== 'object' || callOptions === null) throw optionsError('setMany entry', callOptions)
      const resolved = this.keys.resolve(key, callOptions)
      return { resolved, ...this.writer.encode(resolved, value, callOptions) }
    })
    const keep = options.l1 !== false
    if (!keep) for (const item of prepared) this.coherence.l1?.cache.delete(item.resolved.rel)
    const stored = await Promise.all(
      prepared.map((item) => this.writer.write(item.resolved, item.entry, item.text, { announce: false, remember: keep })),
    )
    const written = prepared.filter((_, index) => stored[index]).map((item) => item.resolved.full)
    if (written.length > 0) this.config.bus?.publish('set', written)
    return stored.every(Boolean)
  }

  /**
   * Write-through update: runs `writer` (your database write) and stores what it
   * returns. If `writer` throws, the cache is left untouched and the error propagates,
   * so the cache never holds a value the database refused.
   */
  async update<Value>(
    key: CacheKeyInput<Value>,
    writer: () => Value | Promise<Value>,
    options: CacheCallOptions<Value> = {},
  ): Promise<Value> {
    if (typeof writer !== 'function') throw new ValidationError(`update needs a writer function, got ${describeValue(writer)}`)
    if (typeof options !== 'object' || options === null) throw optionsError('update', options)
    const resolved = this.config.enabled ? this.keys.resolve(key, options) : undefined
    const value = await writer()
    if (resolved) await this.writer.store(resolved, value, options)
    return value
  }

  /**
   * Deletes keys everywhere (driver, this L1, other instances' L1) in one round trip
   * (split per slot on a cluster). Resolves how many existed remotely. When the driver
   * fails, the delete waits in an outbox and is sent again once it answers (this process
   * treats the keys as deleted meanwhile): resolves 0 and reports `degraded`, or rejects
   * under `onError: 'throw'`.
   */
  async delete(
    keys: CacheKeyInput<unknown> | readonly CacheKeyInput<unknown>[],
    options: { onError?: 'fail-open' | 'throw' } = {},
  ): Promise<number> {
    return (await this.deleteReporting(keys, options)).deleted
  }

  /**
   * As {@link delete}, saying also whether the delete had to wait in the outbox.
   * @internal
   */
  async deleteReporting(
    keys: CacheKeyInput<unknown> | readonly CacheKeyInput<unknown>[],
    options: { onError?: 'fail-open' | 'throw' } = {},
  ): Promise<{ deleted: number; queued: boolean }> {
    if (typeof options !== 'object' || options === null) throw optionsError('delete', options)
    if (!this.config.enabled) return { deleted: 0, queued: false }
    const list = (Array.isArray(keys) ? keys : [keys]) as CacheKeyInput<unknown>[]
    return this.invalidator.delete(
      list.map((key) => this.keys.resolve(key, {}, false)),
      options,
    )
  }

  /**
   * Makes every entry that carries any of `tags` a miss on its next read, in every
   * process. Costs one small write per tag, however many entries carry it: each tag
   * keeps an invalidation time (`<prefix>__tag:<tag>`) that reads compare with the
   * entry's creation time, and the bus tells every process at once. An entry whose
   * loader was running during the invalidation is reached too. When the driver fails,
   * the stamps wait in an outbox (`report.queued`) and are sent again once it answers;
   * this process treats the entries as invalidated meanwhile. Rejects only under
   * `onError: 'throw'`.
   *
   * @throws {ValidationError} for tags that are not non-empty strings or an unknown mode.
   * @example
   * await kit.cache.invalidateTags([`video:${videoId}`])
   */
  invalidateTags(tags: readonly string[], options: TagInvalidationOptions = {}): Promise<TagInvalidationReport> {
    return this.invalidator.invalidateTags(tags, options)
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
  invalidatePattern(pattern: string, options: PatternInvalidationOptions = {}): Promise<PatternInvalidationReport> {
    return this.invalidator.deleteMatching(pattern, options, 'pattern')
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
  clear(options: PatternInvalidationOptions = {}): Promise<PatternInvalidationReport> {
    return this.invalidator.deleteMatching('*', options, 'clear')
  }

  /** Hit, miss and load counters per key family. */
  stats(): Record<string, FamilyStats> {
    return this.reporter.stats.snapshot()
  }

  /** The full driver key for `key` (namespace applied): what you would see in `redis-cli`. */
  keyOf(key: CacheKeyInput<unknown>): string {
    return this.keys.resolve(key, {}, false).full
  }

  /** Invalidations waiting for the driver in the outbox, and how many were dropped. */
  pendingInvalidations(): OutboxStatus {
    return this.invalidator.status()
  }

  /**
   * Sends the invalidations waiting in the outbox now. The kit calls it when the driver
   * answers again after an outage; the outbox also retries by itself with backoff.
   * @internal
   */
  replayInvalidations(): Promise<void> {
    return this.invalidator.replay()
  }

  /**
   * Tries once more to send what waits, then stops the outbox's retries. What is still
   * waiting is lost with the process (its entries expire with their TTL).
   * @internal
   */
  close(): Promise<void> {
    this.giveBacks.close()
    return this.invalidator.close()
  }

  /** One key through L1 and the driver, failing open to a miss. */
  private readOne(resolved: Resolved, operation: string): Promise<Lookup> {
    return this.reads.lookup(resolved).catch((error: unknown): Lookup => {
      this.reporter.readFailed(resolved, operation, error)
      return MISS
    })
  }
}

function optionsError(method: string, options: unknown): ValidationError {
  return new ValidationError(`${method} options must be an object, got ${describeValue(options)}`)
}

/** The kill switch: the loader answers, nothing is read or stored. */
async function passThrough<Value>(key: CacheKeyInput<Value>, loader: Loader<Value>): Promise<Value> {
  const name = typeof key === 'string' ? key : key.key
  return loader({ key: name, stale: undefined, signal: new AbortController().signal })
}
