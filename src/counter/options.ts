/**
 * Options of counters, families, flushes, leaderboards and trending sets; their defaults
 * (one frozen object) and the functions that resolve them. Durations are parsed here.
 */
import { parseDuration, type Duration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'

/** Options of a counter write. */
export interface CounterWriteOptions {
  /**
   * Give the counter this TTL on its first write (when it has none), atomically with the
   * increment: one round trip, and a crash can never leave it without expiry. Later
   * writes keep the TTL running; they do not renew it.
   * @default no TTL (a family's `ttl`, if it has one)
   * @example { ttl: '1h' }
   */
  ttl?: Duration
}

/** Options of `kit.counters.family(name, options)`. */
export interface CounterFamilyOptions {
  /**
   * Record every increment as a pending delta (in the same atomic step), so that
   * `flush()` can hand the deltas to your database: count in Redis, persist in batches.
   * Declare a family the same way in every process that writes it.
   * @default false
   */
  writeBehind?: boolean
  /**
   * TTL given to each counter of the family on its first write.
   * @default none
   */
  ttl?: Duration
  /**
   * How many cluster hash tags the family's counters are spread over. On a Redis Cluster
   * more shards spread the family's writes over more masters; each flush visits every
   * shard. Counters live under their shard, so this is fixed for the life of the family:
   * changing it strands existing counters.
   * @default 16
   */
  shards?: number
}

/** Options of a flush. */
export interface FlushOptions {
  /**
   * At most this many counters per batch handed to the handler (and per script call, so
   * the work inside Redis stays bounded).
   * @default 500
   */
  batchSize?: number
  /**
   * At most this many batches per flush call; the rest waits for the next flush.
   * @default 100
   */
  maxBatches?: number
  /**
   * TTL of the family's flush lock (extended while the flush runs). If a flusher dies, the
   * next flush can start this long after and recovers its batch.
   * @default '1m'
   */
  lockTtl?: Duration
  /**
   * How long to wait for the flush lock while another process flushes the family; then
   * `LockNotAcquiredError`.
   * @default 0
   */
  wait?: Duration
}

/** Options of a scheduled flush. */
export interface ScheduleFlushOptions extends FlushOptions {
  /**
   * How often to flush. Every instance may schedule it: the flush lock lets one of them
   * flush at a time, and the others skip that round.
   * @example '5m'
   */
  every: Duration
  /** Called after each flush this instance ran (not for rounds it skipped). */
  onFlush?: (result: FlushResult) => void
  /**
   * Called when a scheduled flush fails (the handler threw, Redis was unreachable). The
   * deltas are kept for the next round.
   * @default logs with console.error
   */
  onError?: (error: unknown) => void
}

/** What a flush did. */
export interface FlushResult {
  /** Batches handed to the handler and committed. */
  readonly batches: number
  /** Counter deltas in those batches. */
  readonly counters: number
  /** How many of the batches were recovered from a flusher that died. */
  readonly recovered: number
}

/** Options of `kit.counters.trending(name, options)`. */
export interface TrendingOptions {
  /**
   * How fast a score fades: an increment counts half after one half-life, a quarter after
   * two. `'1h'` makes "trending in the last hour".
   * @default '1h'
   */
  halfLife?: Duration
  /**
   * Keep only this many highest-scoring members (the lowest are trimmed on write, one at
   * a time), so memory and work stay bounded however many members appear.
   * @default 10_000
   */
  maxMembers?: number
}

/** Defaults of every counter option. */
export const COUNTER_DEFAULTS = Object.freeze({
  shards: 16,
  batchSize: 500,
  maxBatches: 100,
  lockTtlMs: 60_000,
  waitMs: 0,
  halfLifeMs: 3_600_000,
  maxMembers: 10_000,
})

/** Bounds that keep each script call's work bounded. */
export const COUNTER_LIMITS = Object.freeze({ maxShards: 1024, maxBatchSize: 5_000, maxTop: 10_000, maxMembers: 1_000_000 })

/** Resolved flush options, in milliseconds. */
export interface ResolvedFlushOptions {
  readonly batchSize: number
  readonly maxBatches: number
  readonly lockTtlMs: number
  readonly waitMs: number
}

/** Resolves flush options. @throws {ValidationError} for out-of-range values. */
export function resolveFlushOptions(options: FlushOptions = {}): ResolvedFlushOptions {
  if (typeof options !== 'object' || options === null) throw new ValidationError('flush options must be an object')
  return {
    batchSize: integerIn(options.batchSize ?? COUNTER_DEFAULTS.batchSize, 1, COUNTER_LIMITS.maxBatchSize, 'batchSize'),
    maxBatches: integerIn(options.maxBatches ?? COUNTER_DEFAULTS.maxBatches, 1, Number.MAX_SAFE_INTEGER, 'maxBatches'),
    lockTtlMs: positive(parseDuration(options.lockTtl ?? COUNTER_DEFAULTS.lockTtlMs, 'lockTtl'), 'lockTtl'),
    waitMs: parseDuration(options.wait ?? COUNTER_DEFAULTS.waitMs, 'wait'),
  }
}

/** Resolves an optional TTL to ms (`0` for none). @throws {ValidationError} for a zero or bad TTL. */
export function resolveCounterTtl(ttl: Duration | undefined, what = 'ttl'): number {
  return ttl === undefined ? 0 : positive(parseDuration(ttl, what), what)
}

/** Checks an integer option. */
export function integerIn(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ValidationError(`${what} must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}

function positive(ms: number, what: string): number {
  if (ms <= 0) throw new ValidationError(`${what} must be positive`)
  return ms
}
