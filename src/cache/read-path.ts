/**
 * The read path of `getOrSet` after an L1 miss: one GET shared by concurrent callers,
 * and for anything but a fresh hit one shared flight per key that serves stale within
 * grace while one refresh runs, or takes the key's lease and loads, or waits for the
 * instance that holds it. Fails open: a driver failure answers with the loader.
 */
import { parseDuration } from '../core/duration.js'
import { DriverError } from '../core/errors/index.js'
import { randomToken } from '../core/web-crypto.js'
import type { Driver } from '../drivers/driver.js'
import { compareAndSet } from '../scripts/compare-and-set.js'
import type { CacheBus } from './bus.js'
import type { Coherence, SharedGet } from './coherence.js'
import type { Tier } from './events.js'
import { raceTimeout, type LoaderRun } from './loader-run.js'
import { LEASE_PREFIX, type EntryReader, type Lookup } from './lookup.js'
import type { CacheReporter } from './reporter.js'
import type { Resolved } from './resolve-key.js'
import type { GetOrSetOptions, Loader, StoredEntry } from './types.js'

/** What one caller's share of a flight came to. */
interface Outcome<Value> {
  value: Value
  kind: 'hit' | 'stale' | 'miss'
  tier?: Tier
}

/** What the read path is made of. */
export interface ReadPathParts {
  readonly driver: Driver
  readonly bus: CacheBus | undefined
  /** How long a loader may hold the cross-process lease on a key. */
  readonly leaseMs: number
  /** How long an instance waits for another's loader before loading itself. */
  readonly waitMs: number
  readonly coherence: Coherence
  readonly reader: EntryReader
  readonly loaders: LoaderRun
  readonly reporter: CacheReporter
  /** Gives a lease back, token-guarded, and keeps trying while the driver refuses. */
  readonly giveBack: (key: string, token: string) => void
}

export class ReadPath {
  constructor(private readonly parts: ReadPathParts) {}

  /** `getOrSet` for a key L1 did not answer (or a forced load). */
  getOrSet<Value>(resolved: Resolved, loader: Loader<Value>, options: GetOrSetOptions<Value>): Promise<Value> {
    const { coherence, reader, reporter } = this.parts
    if (options.forceFresh) {
      const loading = coherence.loads.run(resolved.full, () => this.parts.loaders.loadAndStore(resolved, loader, options, undefined))
      return this.settle(
        resolved,
        loading.then((value): Outcome<Value> => ({ value, kind: 'miss' })),
      )
    }
    const shared = coherence.reads.pending<Outcome<Value>>(resolved.full)
    if (shared) return this.settle(resolved, shared)
    // A remote hit is the common case: one GET (shared with concurrent callers of the same
    // key), no shared-flight bookkeeping. Anything else (miss, stale, lease, invalid,
    // failure) continues as one shared flight per key, reusing what this GET already read.
    const get = coherence.gets.get(resolved.full) ?? this.startGet(resolved.full)
    const ticket = get.ticket
    return get.read.then(
      (text) => {
        const now = Date.now()
        const lookup = reader.interpret(resolved, text, now)
        // Tagged entries take the fast path only when this process trusts their tags' stamps.
        if (lookup.kind === 'fresh' && reader.isServable(lookup.entry, now)) {
          coherence.remember(resolved, lookup.entry, text?.length ?? 0, ticket)
          reporter.hit(resolved, 'remote')
          return lookup.entry.value as Value
        }
        return this.settle(
          resolved,
          coherence.reads.run(resolved.full, async () => {
            let checked: Lookup
            try {
              checked = await reader.complete(resolved, text, lookup)
            } catch (error) {
              // A tag stamp that cannot be read fails like the read itself.
              return this.readFailedThrough(resolved, loader, options, error)
            }
            return this.continueRead(resolved, loader, options, checked, text, ticket)
          }),
        )
      },
      (error: unknown) =>
        this.settle(
          resolved,
          coherence.reads.run(resolved.full, () => this.readFailedThrough(resolved, loader, options, error)),
        ),
    )
  }

  /** Reads one key: L1 first (fresh only), then the driver. Driver errors propagate. */
  async lookup(resolved: Resolved): Promise<Lookup> {
    const { coherence, reader } = this.parts
    const now = Date.now()
    // A stale L1 entry is not served from L1: another instance may have refreshed it.
    const copy = coherence.l1?.cache.get(resolved.rel, now)
    if (copy !== undefined) {
      if (reader.isServable(copy, now)) return { kind: 'fresh', entry: copy, tier: 'l1' }
      // Without a trusted stamp for every tag, the driver is asked (and the stamps fetched);
      // a copy a known stamp invalidated is dropped.
      if (copy.expiresAt > now && copy.tags.length > 0 && reader.knownInvalid(copy, now)) coherence.l1?.cache.delete(resolved.rel)
    }
    const ticket = coherence.fence.ticket()
    const text = await this.parts.driver.get(resolved.full)
    const lookup = await reader.complete(resolved, text)
    if (lookup.kind === 'fresh' || lookup.kind === 'stale') coherence.remember(resolved, lookup.entry, text?.length ?? 0, ticket)
    return lookup
  }

  private startGet(full: string): SharedGet {
    const { coherence } = this.parts
    const get: SharedGet = { read: this.parts.driver.get(full), ticket: coherence.fence.ticket() }
    coherence.gets.set(full, get)
    const clear = (): void => {
      if (coherence.gets.get(full) === get) coherence.gets.delete(full)
    }
    get.read.then(clear, clear)
    return get
  }

  /** Counts a shared outcome for this caller and returns its value. */
  private async settle<Value>(resolved: Resolved, shared: Promise<Outcome<Value>>): Promise<Value> {
    const { reporter } = this.parts
    const outcome = await shared
    if (outcome.kind === 'hit') reporter.hit(resolved, outcome.tier ?? 'remote')
    else if (outcome.kind === 'stale') reporter.hit(resolved, outcome.tier ?? 'remote', true)
    else reporter.miss(resolved)
    return this.parts.coherence.handOut(outcome.value) as Value
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
    if (lookup.kind === 'fresh' || lookup.kind === 'stale') this.parts.coherence.remember(resolved, lookup.entry, text?.length ?? 0, ticket)
    if (lookup.kind === 'fresh') return { value: lookup.entry.value as Value, kind: 'hit', tier: lookup.tier }
    if (lookup.kind === 'stale') return this.serveStale(resolved, loader, options, lookup.entry, lookup.tier)
    return {
      value: await this.parts.coherence.loads.run(resolved.full, () => this.loadWithLease(resolved, loader, options, lookup)),
      kind: 'miss',
    }
  }

  /** The driver failed on the first read: fail open to the loader (one shared call), or rethrow. */
  private async readFailedThrough<Value>(
    resolved: Resolved,
    loader: Loader<Value>,
    options: GetOrSetOptions<Value>,
    error: unknown,
  ): Promise<Outcome<Value>> {
    const { reporter } = this.parts
    reporter.readFailed(resolved, 'get', error, reporter.policy(options))
    return {
      value: await this.parts.coherence.loads.run(resolved.full, () => this.parts.loaders.run(resolved, loader, options, undefined)),
      kind: 'miss',
    }
  }

  /** Within grace: answer stale at once (or after the soft timeout) while one refresh runs. */
  private async serveStale<Value>(
    resolved: Resolved,
    loader: Loader<Value>,
    options: GetOrSetOptions<Value>,
    entry: StoredEntry,
    tier: Tier,
  ): Promise<Outcome<Value>> {
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
  private refresh<Value>(
    resolved: Resolved,
    loader: Loader<Value>,
    options: GetOrSetOptions<Value>,
    stale: Value,
  ): Promise<Value | undefined> {
    const { coherence, driver } = this.parts
    // A foreground load of this key is already running: it refreshes the entry (its failure is reported there).
    const loading = coherence.loads.pending<Value>(resolved.full)
    if (loading) return loading.catch(() => undefined)
    return coherence.refreshes
      .run(resolved.full, async () => {
        // A space never appears in keys built by defineKeys (it is always escaped), so the
        // lease cannot collide with an entry; it stays inside the namespace for clear().
        const leaseKey = `${resolved.full} refresh-lease`
        const token = `${LEASE_PREFIX}${randomToken(16)}`
        // A failed lease write refreshes anyway (its fate is unknown: it is given back below).
        const leased = await driver.set(leaseKey, token, { nx: true, ttlMs: this.parts.leaseMs }).catch(() => true)
        if (!leased) return undefined as Value
        try {
          return await this.parts.loaders.loadAndStore(resolved, loader, options, stale)
        } finally {
          this.parts.giveBack(leaseKey, token)
        }
      })
      .catch((error: unknown) => {
        this.parts.reporter.loadFailed(resolved, error, true)
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
  private async loadWithLease<Value>(
    resolved: Resolved,
    loader: Loader<Value>,
    options: GetOrSetOptions<Value>,
    found: Lookup,
  ): Promise<Value> {
    const { driver, loaders, reporter } = this.parts
    const deadline = Date.now() + this.parts.waitMs
    let state = found
    for (;;) {
      if (state.kind === 'fresh' || state.kind === 'stale') return state.entry.value as Value
      if (state.kind !== 'lease' && state.kind !== 'validating') {
        const token = `${LEASE_PREFIX}${randomToken(16)}`
        const claimed = claimedText(state)
        let leased: boolean
        try {
          leased =
            claimed === undefined
              ? await driver.set(resolved.full, token, { nx: true, ttlMs: this.parts.leaseMs })
              : await driver.eval(compareAndSet, [resolved.full], [claimed, token, String(this.parts.leaseMs)])
        } catch (error) {
          if (!(error instanceof DriverError) || reporter.policy(options) === 'throw') throw error
          // The write may still land (a timeout says nothing of its fate): give the lease
          // back, so it does not make others wait for a whole lease time.
          this.parts.giveBack(resolved.full, token)
          reporter.degraded(resolved, 'lease', error)
          return loaders.run(resolved, loader, options, undefined)
        }
        if (leased) return loaders.loadAndStore(resolved, loader, options, undefined, token)
      }
      if (Date.now() >= deadline) return loaders.loadAndStore(resolved, loader, options, undefined)
      try {
        state = await this.waitForFill(resolved, deadline)
      } catch (error) {
        // Waiting fails open like every read: the driver failing answers with the loader.
        if (!(error instanceof DriverError) || reporter.policy(options) === 'throw') throw error
        reporter.degraded(resolved, 'get', error)
        return loaders.run(resolved, loader, options, undefined)
      }
    }
  }

  /** Polls (and listens on the bus) until the key holds a value, the lease vanishes, or the deadline. */
  private async waitForFill(resolved: Resolved, deadline: number): Promise<Lookup> {
    const { bus } = this.parts
    let pollMs = 5
    for (;;) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) return { kind: 'lease' }
      const waitMs = Math.min(pollMs, remaining)
      if (bus?.available) await bus.waitForWrite(resolved.full, waitMs)
      else await sleep(waitMs)
      pollMs = Math.min(pollMs * 2, 100)
      const lookup = await this.lookup(resolved)
      if (lookup.kind !== 'lease') return lookup
    }
  }
}

/** The exact text to replace when claiming a key that holds something unservable; undefined for an empty key. */
function claimedText(state: Lookup): string | undefined {
  return state.kind === 'invalidated' || state.kind === 'invalid' || state.kind === 'expired' ? state.text : undefined
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
