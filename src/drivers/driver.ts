/**
 * The one contract every cachekit feature talks to storage through.
 *
 * Semantics are Redis semantics: every driver (memory, ioredis, Upstash) behaves as a
 * Redis server would for the same calls, and `cachekit/testing`'s conformance suite
 * proves it. Durations are milliseconds (`ttlMs`); human durations are parsed at the
 * edge, never here. Keys and values are strings (the codec owns serialization).
 *
 * Errors: bad arguments throw {@link ValidationError} before anything is sent; a call
 * after `close()` rejects with {@link DriverClosedError}; a server that does not answer
 * in time rejects with {@link DriverTimeoutError}; a refused command rejects with
 * {@link CommandError}; a multi-key call over several cluster slots rejects with
 * {@link CrossSlotError} before anything is sent. Every method reports every error as a
 * rejected promise, never a synchronous throw.
 */
import type { Script, ScoredMember } from '../core/script.js'

export type { ScoredMember } from '../core/script.js'

/** What a driver can do beyond the common contract. */
export interface DriverCapabilities {
  /** Keys are spread over cluster slots: multi-key scripts need a shared `{hash tag}`. */
  readonly cluster: boolean
  /** `subscribe` works (every driver can `publish`). */
  readonly pubsub: boolean
  /** `'lua'`: scripts run as Lua on a server. `'emulated'`: their JavaScript twin runs in process. */
  readonly scripting: 'lua' | 'emulated'
}

/** Options of {@link Driver.set}. */
export interface SetOptions {
  /** Expire after this many milliseconds (positive; fractions round up). Without it the key does not expire. */
  ttlMs?: number
  /** Only set if the key does not exist (`SET NX`). */
  nx?: boolean
  /** Only set if the key exists (`SET XX`). */
  xx?: boolean
  /** Keep the key's current TTL (`SET KEEPTTL`). Cannot be combined with `ttlMs`. */
  keepTtl?: boolean
}

/** Options of {@link Driver.scan}. */
export interface ScanOptions {
  /** Hint for how many keys each server round trip examines (`SCAN COUNT`). Default 250. */
  count?: number
  /** Stops the scan between batches; the iterator then throws the signal's reason. */
  signal?: AbortSignal
}

/** Options of {@link Driver.zrange} and {@link Driver.zrangeWithScores}. */
export interface ZRangeOptions {
  /** Highest score first (`ZRANGE ... REV`). */
  rev?: boolean
}

/** Options of {@link Driver.zrangeByScore}. */
export interface ZRangeByScoreOptions {
  /** Highest score first; `min`/`max` keep their meaning. */
  rev?: boolean
  /** Skip this many matches (`LIMIT offset count`). */
  offset?: number
  /** Return at most this many matches. */
  count?: number
}

/** A message handler for {@link Driver.subscribe}. */
export type MessageHandler = (message: string, channel: string) => void

/** Stops a subscription. Idempotent. */
export type Unsubscribe = () => Promise<void>

/**
 * Where a subscription stands: `'active'` while messages are delivered, `'interrupted'`
 * from the moment the driver can no longer vouch for that (the connection dropped, or
 * stopped answering) until the subscription is confirmed again. Messages published
 * while interrupted may be lost: pub/sub does not replay them.
 */
export type SubscriptionStatus = 'active' | 'interrupted'

/** Options of {@link Driver.subscribe}. */
export interface SubscribeOptions {
  /**
   * Told of every change of the subscription's status after `subscribe` resolved (it is
   * `'active'` then). The driver resubscribes by itself; this only says when messages may
   * have been lost, so the subscriber can assume the worst about what it missed.
   */
  onStatus?: (status: SubscriptionStatus) => void
}

/**
 * The storage contract. Implementations: `memoryDriver`, `ioredisDriver`, `upstashDriver`.
 * Third-party drivers prove themselves with `runDriverConformance` from `cachekit/testing`.
 */
export interface Driver {
  /** Short name for errors, metrics and health (`memory`, `ioredis`, `upstash`). */
  readonly name: string
  readonly capabilities: DriverCapabilities

  /** GET: the value, or `null` when the key is missing or expired. */
  get(key: string): Promise<string | null>
  /** MGET: one entry per key, in order (split per slot on a cluster, reassembled in order). */
  mget(keys: readonly string[]): Promise<(string | null)[]>
  /** SET with optional TTL, NX/XX, KEEPTTL. Resolves `true` when the value was written. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>
  /** DEL (UNLINK on servers): how many of the keys existed. Split per slot on a cluster. */
  del(keys: readonly string[]): Promise<number>
  /** EXISTS: how many of the keys exist (a key named twice counts twice, as in Redis). */
  exists(keys: readonly string[]): Promise<number>
  /** PTTL: milliseconds left; `-1` when the key has no TTL, `-2` when it does not exist. */
  pttl(key: string): Promise<number>
  /** PEXPIRE: sets a TTL on an existing key; `false` when the key does not exist. */
  expire(key: string, ttlMs: number): Promise<boolean>
  /** PERSIST: removes the TTL; `true` when a TTL was removed. */
  persist(key: string): Promise<boolean>
  /** INCRBY: adds an integer (missing keys count as 0) and returns the new value. Keeps the TTL. */
  incrBy(key: string, by: number): Promise<number>

  /** HGET. */
  hget(key: string, field: string): Promise<string | null>
  /** HMGET: one entry per field, in order. */
  hmget(key: string, fields: readonly string[]): Promise<(string | null)[]>
  /** HSET: how many fields were new. */
  hset(key: string, fields: Readonly<Record<string, string>>): Promise<number>
  /** HDEL: how many fields were removed. */
  hdel(key: string, fields: readonly string[]): Promise<number>
  /** HGETALL: an empty object for a missing key. */
  hgetall(key: string): Promise<Record<string, string>>
  /** HINCRBY: the field's new value. */
  hincrBy(key: string, field: string, by: number): Promise<number>

  /** SADD: how many members were new. */
  sadd(key: string, members: readonly string[]): Promise<number>
  /** SREM: how many members were removed. */
  srem(key: string, members: readonly string[]): Promise<number>
  /** SMEMBERS: in no particular order. */
  smembers(key: string): Promise<string[]>
  /** SISMEMBER. */
  sismember(key: string, member: string): Promise<boolean>
  /** SCARD. */
  scard(key: string): Promise<number>

  /** ZADD: how many members were new (scores of existing members are updated). Scores must be finite. */
  zadd(key: string, entries: readonly ScoredMember[]): Promise<number>
  /** ZINCRBY: the member's new score. */
  zincrBy(key: string, member: string, by: number): Promise<number>
  /** ZREM: how many members were removed. */
  zrem(key: string, members: readonly string[]): Promise<number>
  /** ZSCORE: `null` when the member (or key) is missing. */
  zscore(key: string, member: string): Promise<number | null>
  /** ZCARD. */
  zcard(key: string): Promise<number>
  /** ZRANK (or ZREVRANK with `rev`): 0-based rank, `null` when missing. */
  zrank(key: string, member: string, options?: ZRangeOptions): Promise<number | null>
  /** ZRANGE by rank, inclusive, negative indexes from the end. Ties order by member, as in Redis. */
  zrange(key: string, start: number, stop: number, options?: ZRangeOptions): Promise<string[]>
  /** ZRANGE ... WITHSCORES. */
  zrangeWithScores(key: string, start: number, stop: number, options?: ZRangeOptions): Promise<ScoredMember[]>
  /** ZRANGE BYSCORE, inclusive bounds (`-Infinity`/`Infinity` allowed), with scores. */
  zrangeByScore(key: string, min: number, max: number, options?: ZRangeByScoreOptions): Promise<ScoredMember[]>

  /**
   * Runs a script atomically: EVALSHA, falling back to EVAL if the server lost it.
   * On a cluster the keys must share one slot ({@link CrossSlotError} otherwise).
   * Arguments are strings, as Redis receives them.
   */
  eval<T>(script: Script<T>, keys: readonly string[], args: readonly string[]): Promise<T>

  /**
   * Iterates keys matching a glob `match` (Redis pattern syntax), in non-empty batches,
   * on every master of a cluster. Never `KEYS`. Keys present for the whole scan are
   * yielded at least once; a key may be yielded twice (as with Redis SCAN).
   */
  scan(match: string, options?: ScanOptions): AsyncIterable<string[]>

  /** PUBLISH: how many subscribers received it (as far as the driver can tell; 0 otherwise). */
  publish(channel: string, message: string): Promise<number>
  /**
   * SUBSCRIBE: calls `handler` for each message on `channel` until unsubscribed.
   * Resolves once the subscription is active; `options.onStatus` then hears when delivery
   * is interrupted and when it resumes. Only where `capabilities.pubsub`.
   */
  subscribe(channel: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Unsubscribe>

  /** INFO `section` as the server formats it (`field:value` lines). Drivers without INFO synthesize what they can. */
  info(section?: string): Promise<string>
  /** PING: round-trip time in milliseconds. */
  ping(): Promise<number>
  /**
   * Releases what the driver created (connections, timers). A client handed in by the
   * user is never closed. Idempotent; later calls reject with {@link DriverClosedError}.
   */
  close(): Promise<void>

  /**
   * Optional, for drivers that talk to several servers (a cluster): the node that owns
   * `key` now (its slot's master, as `host:port`), or `undefined` when unknown. The
   * circuit breaker keeps one circuit per node with it, so a dead master takes only its
   * own slots off the server. Drivers with one server leave it out.
   */
  readonly nodeOf?: ((key: string) => string | undefined) | undefined

  /**
   * Optional: calls `listener` each time a connection that was down is ready again (with
   * its node on a cluster, `undefined` for the whole driver). The breaker closes on it at
   * once instead of waiting out its cooldown. Returns a function that stops listening.
   */
  readonly onReconnect?: ((listener: (node: string | undefined) => void) => () => void) | undefined
}
