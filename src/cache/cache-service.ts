/**
 * `kit.cache`: cache-aside with stampede protection (in process and across processes),
 * stale-while-revalidate with grace, write-through, an optional L1 tier, and one failure
 * policy: a failing driver never fails a read; the loader answers and `degraded` says so.
 */
import { parseDuration } from '../core/duration.js'
import { DriverError, LoaderTimeoutError, ValidationError } from '../core/errors/index.js'
import type { Emitter } from '../core/events.js'
import { compareAndDelete } from '../scripts/index.js'
import type { Driver } from '../drivers/driver.js'
import type { CacheBus } from './bus.js'
import type { CacheEvents, Tier } from './events.js'
import type { L1Cache, L1Entry } from './l1.js'
import { SingleFlight } from './single-flight.js'
import { CacheStats, type FamilyStats } from './stats.js'
import type { AnyKeyParams, CacheKey, KeyPriority } from '../keys/key-family.js'
import type { Namespace } from '../keys/namespace.js'
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
  l1: { cache: L1Cache; ttlMs: number } | undefined
  enabled: boolean
  defaultTtlMs: number | undefined
  defaultGraceMs: number
  /** How long a loader may hold the cross-process lease on a key. */
  leaseMs: number
  /** How long an instance waits for another's loader before loading itself. */
  waitMs: number
  onError: 'fail-open' | 'throw'
  /**
   * Consulted before every write of an entry: `false` skips it (the call resolves `false`).
   * The memory guard uses it to keep low-priority families out of a nearly full Redis.
   */
  admit?: (family: string, priority: KeyPriority) => boolean
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
  /** `expired`: an entry past its grace that the server still holds (clock skew between hosts). */
  | { kind: 'miss' | 'lease' | 'invalid' | 'expired' }

interface Outcome<Value> {
  value: Value
  kind: 'hit' | 'stale' | 'miss'
  tier?: Tier
}

const LEASE_PREFIX = '\u0000cachekit-lease:'
const NO_TAGS: readonly string[] = Object.freeze([])

export class CacheService {
  private readonly stats_ = new CacheStats()
  private readonly reads = new SingleFlight()
  private readonly loads = new SingleFlight()
  private readonly config: CacheServiceConfig
  private readonly driver: Driver
  private readonly namespace: Namespace

  constructor(config: CacheServiceConfig) {
    this.config = config
    this.driver = config.driver
    this.namespace = config.namespace
    config.bus?.onMessage((message) => {
      if (!config.l1) return
      if (message.t === 'clear') config.l1.cache.clear()
      else
        for (const key of message.k) {
          const rel = config.namespace.strip(key)
          if (rel !== null) config.l1.cache.delete(rel)
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
    if (!this.config.enabled) return this.passThrough(key, loader)
    const l1 = this.config.l1
    if (l1 !== undefined && options.forceFresh !== true) {
      // The hot path: no key resolution, no allocation. L1 is keyed by the relative key,
      // a string the caller's key object already holds (its hash is cached by V8).
      const now = Date.now()
      const hit = l1.cache.get(typeof key === 'string' ? key : key.key, now)
      if (hit !== undefined && hit.expiresAt > now) {
        this.recordL1Hit(typeof key === 'string' ? familyOf(key) : key.family, key)
        return Promise.resolve(hit.value as Value)
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
    if (!this.config.enabled) return undefined
    const resolved = this.resolve(key, {}, false)
    const lookup = await this.lookup(resolved).catch((error: unknown) => this.readFailed(resolved, 'get', error))
    if (lookup.kind === 'fresh' || (lookup.kind === 'stale' && options.allowStale)) {
      this.recordHit(resolved, lookup.tier, lookup.kind === 'stale')
      return lookup.entry.value as Value
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
    if (!this.config.enabled) return keys.map(() => undefined)
    const resolved = keys.map((key) => this.resolve(key, {}, false))
    const now = Date.now()
    const results: (Value | undefined)[] = new Array(keys.length).fill(undefined)
    const remote: number[] = []
    resolved.forEach((r, index) => {
      const hit = this.config.l1?.cache.get(r.rel, now)
      if (hit !== undefined && hit.expiresAt > now) {
        results[index] = hit.value as Value
        this.recordHit(r, 'l1')
      } else remote.push(index)
    })
    if (remote.length === 0) return results
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
        const lookup = await this.interpret(r, texts[position] ?? null, Date.now())
        if (lookup.kind === 'fresh') {
          results[index] = lookup.entry.value as Value
          this.remember(r, lookup.entry, texts[position]?.length ?? 0)
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
    if (!this.config.enabled) return false
    const resolved = this.resolve(key, options)
    return this.store(resolved, value, options)
  }

  /** Stores many values; all are serialized before anything is written. */
  async setMany<Value>(entries: readonly { key: CacheKeyInput<Value>; value: Value; options?: CacheCallOptions<Value> }[]): Promise<boolean> {
    if (!this.config.enabled) return false
    const prepared = entries.map(({ key, value, options = {} }) => {
      const resolved = this.resolve(key, options)
      return { resolved, value, ...this.encode(resolved, value, options) }
    })
    const stored = await Promise.all(prepared.map((item) => this.write(item.resolved, item.entry, item.text)))
    return stored.every(Boolean)
  }

  /**
   * Write-through update: runs `writer` (your database write) and stores what it
   * returns. If `writer` throws, the cache is left untouched and the error propagates,
   * so the cache never holds a value the database refused.
   */
  async update<Value>(key: CacheKeyInput<Value>, writer: () => Value | Promise<Value>, options: CacheCallOptions<Value> = {}): Promise<Value> {
    const resolved = this.config.enabled ? this.resolve(key, options) : undefined
    const value = await writer()
    if (resolved) await this.store(resolved, value, options)
    return value
  }

  /** Deletes keys everywhere (driver, this L1, other instances' L1). Resolves how many existed remotely. */
  async delete(keys: CacheKeyInput<unknown> | readonly CacheKeyInput<unknown>[]): Promise<number> {
    if (!this.config.enabled) return 0
    const list = (Array.isArray(keys) ? keys : [keys]) as CacheKeyInput<unknown>[]
    const resolved = list.map((key) => this.resolve(key, {}, false))
    const full = resolved.map((r) => r.full)
    for (const r of resolved) this.config.l1?.cache.delete(r.rel)
    for (const r of resolved) this.stats_.count(r.family, 'deletes')
    this.config.bus?.publish('del', full)
    this.config.events.emit('delete', { keys: full })
    try {
      return await this.driver.del(full)
    } catch (error) {
      this.writeFailed(resolved[0], 'delete', error)
      return 0
    }
  }

  /** Hit, miss and load counters per key family. */
  stats(): Record<string, FamilyStats> {
    return this.stats_.snapshot()
  }

  /** The full driver key for `key` (namespace applied): what you would see in `redis-cli`. */
  keyOf(key: CacheKeyInput<unknown>): string {
    return this.resolve(key, {}, false).full
  }

  // ---- read path ----

  private async getOrSetSlow<Value>(resolved: Resolved, loader: Loader<Value>, options: GetOrSetOptions<Value>): Promise<Value> {
    const shared = options.forceFresh
      ? this.loads.run(resolved.full, () => this.loadAndStore(resolved, loader, options, undefined)).then((value): Outcome<Value> => ({ value, kind: 'miss' }))
      : this.reads.run(resolved.full, () => this.readThrough(resolved, loader, options))
    const outcome = await shared
    if (outcome.kind === 'hit') this.recordHit(resolved, outcome.tier ?? 'remote')
    else if (outcome.kind === 'stale') this.recordHit(resolved, outcome.tier ?? 'remote', true)
    else this.recordMiss(resolved)
    return outcome.value
  }

  /** The shared work of concurrent `getOrSet` calls on one key. */
  private async readThrough<Value>(resolved: Resolved, loader: Loader<Value>, options: GetOrSetOptions<Value>): Promise<Outcome<Value>> {
    let lookup: Lookup
    try {
      lookup = await this.lookup(resolved)
    } catch (error) {
      if (!(error instanceof DriverError) || this.onError(options) === 'throw') throw error
      this.emitDegraded(resolved, 'get', error)
      return { value: await this.loads.run(resolved.full, () => this.runLoader(resolved, loader, options, undefined)), kind: 'miss' }
    }
    if (lookup.kind === 'fresh') return { value: lookup.entry.value as Value, kind: 'hit', tier: lookup.tier }
    if (lookup.kind === 'stale') return this.serveStale(resolved, loader, options, lookup.entry, lookup.tier)
    const found = lookup.kind
    return { value: await this.loads.run(resolved.full, () => this.loadWithLease(resolved, loader, options, found)), kind: 'miss' }
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
    return this.loads
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
   * value, bounded by `waitMs`, then load anyway.
   */
  private async loadWithLease<Value>(resolved: Resolved, loader: Loader<Value>, options: GetOrSetOptions<Value>, found: 'miss' | 'lease' | 'invalid' | 'expired'): Promise<Value> {
    // The key holds something unusable: overwrite it (single flight still applies in process).
    if (found === 'invalid' || found === 'expired') return this.loadAndStore(resolved, loader, options, undefined)
    const deadline = Date.now() + this.config.waitMs
    let state: 'miss' | 'lease' = found
    for (;;) {
      if (state === 'miss') {
        const token = `${LEASE_PREFIX}${randomToken()}`
        let leased: boolean
        try {
          leased = await this.driver.set(resolved.full, token, { nx: true, ttlMs: this.config.leaseMs })
        } catch (error) {
          if (!(error instanceof DriverError) || this.onError(options) === 'throw') throw error
          this.emitDegraded(resolved, 'lease', error)
          return this.runLoader(resolved, loader, options, undefined)
        }
        if (leased) return this.loadAndStore(resolved, loader, options, undefined, token)
      }
      if (Date.now() >= deadline) return this.loadAndStore(resolved, loader, options, undefined)
      const waited = await this.waitForFill(resolved, deadline)
      if (waited.kind === 'fresh' || waited.kind === 'stale') return waited.entry.value as Value
      if (waited.kind === 'invalid' || waited.kind === 'expired') return this.loadAndStore(resolved, loader, options, undefined)
      state = waited.kind
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
    const stored = await this.store(resolved, value, storeOptions).catch((error: unknown) => {
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
    if (l1 !== undefined && l1.expiresAt > now) return { kind: 'fresh', entry: l1, tier: 'l1' }
    const text = await this.driver.get(resolved.full)
    const lookup = await this.interpret(resolved, text, Date.now())
    if (lookup.kind === 'fresh' || lookup.kind === 'stale') this.remember(resolved, lookup.entry, text?.length ?? 0)
    return lookup
  }

  /** Decodes and validates stored text. */
  private async interpret(resolved: Resolved, text: string | null, now: number): Promise<Lookup> {
    if (text === null) return { kind: 'miss' }
    if (text.startsWith(LEASE_PREFIX)) return { kind: 'lease' }
    const decoded = this.config.codec.decode(text)
    if (decoded === undefined) {
      this.config.events.emit('invalid', { key: resolved.full, family: resolved.family, reason: 'corrupt' })
      return { kind: 'invalid' }
    }
    if (decoded.staleUntil <= now) return { kind: 'expired' }
    let entry = decoded
    if (resolved.schema) {
      const result = await resolved.schema['~standard'].validate(decoded.value)
      if (result.issues) {
        this.config.events.emit('invalid', { key: resolved.full, family: resolved.family, reason: 'schema', issues: result.issues })
        return { kind: 'invalid' }
      }
      entry = { ...decoded, value: result.value }
    }
    return { kind: entry.expiresAt > now ? 'fresh' : 'stale', entry, tier: 'remote' }
  }

  // ---- write path ----

  private async store<Value>(resolved: Resolved, value: Value, options: CacheCallOptions<Value>): Promise<boolean> {
    const { entry, text } = this.encode(resolved, value, options)
    return this.write(resolved, entry, text)
  }

  private encode<Value>(resolved: Resolved, value: Value, options: CacheCallOptions<Value>): { entry: StoredEntry; text: string } {
    const now = Date.now()
    const ttlMs = jittered(options.ttl === undefined ? resolved.ttlMs : parseDuration(options.ttl, 'ttl'), options.jitter)
    const graceMs = options.grace === undefined ? resolved.graceMs : parseDuration(options.grace, 'grace')
    if (ttlMs <= 0) throw new ValidationError(`ttl of ${JSON.stringify(resolved.full)} must be positive`)
    const extraTags = typeof options.tags === 'function' ? options.tags(value) : options.tags
    const tags = extraTags && extraTags.length > 0 ? [...new Set([...resolved.tags, ...extraTags])] : resolved.tags
    const entry: StoredEntry = { value, createdAt: now, expiresAt: now + ttlMs, staleUntil: now + ttlMs + graceMs, tags }
    return { entry, text: this.config.codec.encode(entry) }
  }

  private async write(resolved: Resolved, entry: StoredEntry, text: string): Promise<boolean> {
    if (this.config.admit && !this.config.admit(resolved.family, resolved.priority)) return false
    this.remember(resolved, entry, text.length)
    this.stats_.count(resolved.family, 'sets')
    this.config.events.emit('set', { key: resolved.full, family: resolved.family })
    try {
      await this.driver.set(resolved.full, text, { ttlMs: Math.max(1, entry.staleUntil - Date.now()) })
      this.config.bus?.publish('set', [resolved.full])
      return true
    } catch (error) {
      if (!(error instanceof DriverError)) throw error
      this.writeFailed(resolved, 'set', error)
      return false
    }
  }

  private remember(resolved: Resolved, entry: StoredEntry, bytes: number): void {
    const l1 = this.config.l1
    // Until the bus is subscribed, another instance's write could go unnoticed: keep no copy.
    if (!l1 || (this.config.bus && !this.config.bus.ready)) return
    // Built field by field so every L1 entry has one shape (monomorphic reads on the hot path).
    const l1Entry: L1Entry = {
      value: entry.value,
      expiresAt: entry.expiresAt,
      staleUntil: entry.staleUntil,
      l1Until: Date.now() + l1.ttlMs,
      createdAt: entry.createdAt,
      tags: entry.tags,
      bytes: bytes * 2 + resolved.full.length * 2 + 64,
      referenced: false,
    }
    l1.cache.set(resolved.rel, l1Entry)
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
    this.config.events.emit('degraded', { key: resolved?.full, family: resolved?.family, operation, error })
  }

  private emitDegraded(resolved: Resolved, operation: string, error: unknown): void {
    this.stats_.count(resolved.family, 'errors')
    this.config.events.emit('degraded', { key: resolved.full, family: resolved.family, operation, error })
  }

  private onError(options: { onError?: 'fail-open' | 'throw' }): 'fail-open' | 'throw' {
    return options.onError ?? this.config.onError
  }

  private async passThrough<Value>(key: CacheKeyInput<Value>, loader: Loader<Value>): Promise<Value> {
    const name = typeof key === 'string' ? key : key.key
    return loader({ key: name, stale: undefined, signal: new AbortController().signal })
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
      if (key.startsWith('__')) throw new ValidationError(`cache key ${JSON.stringify(key)}: keys starting with '__' are reserved for cachekit's own features`)
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
