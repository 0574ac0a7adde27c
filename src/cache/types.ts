import type { Duration } from '../core/duration.js'

/** What an entry looks like once decoded. */
export interface StoredEntry {
  readonly value: unknown
  /** When the value was produced (epoch ms). */
  readonly createdAt: number
  /** Logical expiry: fresh before it (epoch ms). */
  readonly expiresAt: number
  /** End of grace: servable as stale before it (epoch ms). */
  readonly staleUntil: number
  readonly tags: readonly string[]
}

/** What the loader of `getOrSet` receives. */
export interface LoaderContext<Value> {
  /** The full key being loaded. */
  readonly key: string
  /** The stale value being refreshed, when there is one. */
  readonly stale: Value | undefined
  /** Aborted when the caller stops waiting (hard timeout). Pass it to your fetch or query. */
  readonly signal: AbortSignal
}

export type Loader<Value> = (context: LoaderContext<Value>) => Value | Promise<Value>

/** Per-call options of `getOrSet`, `set` and friends; each overrides the key's own. */
export interface CacheCallOptions<Value = unknown> {
  /** Logical TTL: the entry is fresh this long. Required for plain string keys without a kit default. */
  ttl?: Duration
  /** Grace after the TTL: the stale value may still be served (and is refreshed in the background). */
  grace?: Duration
  /** Tags of the entry, fixed or computed from the value. Added to the key's own tags. */
  tags?: readonly string[] | ((value: Value) => readonly string[])
  /**
   * Spread expiries: the TTL is shortened by a random fraction up to `jitter` (0..1), so
   * entries written together do not all expire together.
   * @default 0
   */
  jitter?: number
}

/** Options of `getOrSet`. */
export interface GetOrSetOptions<Value> extends CacheCallOptions<Value> {
  /**
   * Soft timeout: when a stale value exists and the caller waits for the refresh (see
   * `staleWhileRevalidate: false`), give up waiting after this long, answer with the stale
   * value, and let the loader finish in the background.
   */
  timeout?: Duration
  /**
   * Hard timeout: reject with `LoaderTimeoutError` when the loader takes longer (the
   * loader's `signal` is aborted). Without it the loader may take as long as it takes.
   */
  hardTimeout?: Duration
  /**
   * Within grace, answer with the stale value at once and refresh in the background.
   * With `false`, wait for the refresh (bounded by `timeout`).
   * @default true
   */
  staleWhileRevalidate?: boolean
  /** Skip the cache read and load now (the result is stored). */
  forceFresh?: boolean
  /**
   * Cache `null`/`undefined` loader results too, for this long. Off by default: a missing
   * row is usually worth asking for again.
   */
  cacheNullish?: false | { ttl: Duration }
  /**
   * What a driver failure does: `'fail-open'` runs the loader and answers (the `degraded`
   * event reports it); `'throw'` rejects with the driver's error.
   * @default 'fail-open'
   */
  onError?: 'fail-open' | 'throw'
}
