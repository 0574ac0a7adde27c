/** What the cache service is made of: `createCachekit` assembles it. */
import type { EventSink } from '../core/events.js'
import type { Driver } from '../drivers/driver.js'
import type { DegradedReport } from '../drivers/outages.js'
import type { AnyKeyParams, CacheKey, KeyPriority } from '../keys/key-family.js'
import type { Namespace } from '../keys/namespace.js'
import type { CacheBus } from './bus.js'
import type { CacheEvents } from './events.js'
import type { L1Cache } from './l1.js'
import type { StoredEntry } from './types.js'

/** Turns entries into stored text and back. `decode` returns undefined for anything it does not recognise. */
export interface EntryCodec {
  encode(entry: StoredEntry): string
  decode(text: string): StoredEntry | undefined
}

/** A key: a `defineKeys` builder result or a plain string (below the kit's namespace). */
export type CacheKeyInput<Value> = CacheKey<Value, AnyKeyParams> | string

/** The in-process tier as the service uses it. */
export interface L1Tier {
  readonly cache: L1Cache
  /** How long a copy may be served without asking the driver. */
  readonly ttlMs: number
  /** Hand out copies of L1 and shared values (structuredClone), and keep a copy of what is stored. */
  readonly clone: boolean
}

/** Everything the service needs; `createCachekit` assembles it. */
export interface CacheServiceConfig {
  driver: Driver
  namespace: Namespace
  codec: EntryCodec
  events: EventSink<CacheEvents>
  bus: CacheBus | undefined
  l1: L1Tier | undefined
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

/** Options of `kit.cache.setMany`. */
export interface SetManyOptions {
  /**
   * Keep copies in this process's L1 tier. Bulk loads (cache builders) pass `false` so a
   * rebuild does not push the hot entries out of L1.
   * @default true
   */
  l1?: boolean
}
