/**
 * The memory driver's data: a synchronous Redis (strings, hashes, sets, sorted sets,
 * millisecond TTLs, LRU bounds). It is also the {@link ScriptContext} the JavaScript
 * twins of scripts run against, so a twin runs atomically by construction.
 */
import { CommandError } from '../../core/errors/index.js'
import type { ScoredMember, ScriptContext, ScriptSetOptions } from '../../core/script.js'

type Kind = 'string' | 'hash' | 'set' | 'zset'

interface SortedSet {
  scores: Map<string, number>
  /** Members ordered by (score, member), rebuilt lazily after a write. */
  ordered: ScoredMember[] | undefined
}

interface Entry {
  kind: Kind
  value: string | Map<string, string> | Set<string> | SortedSet
  /** Epoch milliseconds; 0 when the key does not expire. */
  expiresAt: number
  /** Approximate memory held, for `maxBytes` and INFO. */
  bytes: number
}

/** Bounds of a {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Evict least-recently-used keys beyond this many keys. */
  maxEntries?: number
  /** Evict least-recently-used keys beyond this many bytes (UTF-16 estimate plus overhead). */
  maxBytes?: number
  /** The clock; `Date.now` by default (vitest fake timers control it). */
  now?: () => number
}

const ENTRY_OVERHEAD = 64
const ITEM_OVERHEAD = 16
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value'
const INT64_MAX = 9223372036854775807n
const INT64_MIN = -9223372036854775808n

export class MemoryStore implements ScriptContext {
  private readonly entries = new Map<string, Entry>()
  private readonly maxEntries: number
  private readonly maxBytes: number
  private readonly bounded: boolean
  private readonly clock: () => number
  private sweepCursor: Iterator<[string, Entry]> | undefined
  /** Bytes held by all entries. */
  usedBytes = 0
  /** Keys evicted by the LRU bound since creation. */
  evictedKeys = 0
  /** Keys removed because their TTL passed. */
  expiredKeys = 0

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
    this.bounded = Number.isFinite(this.maxEntries) || Number.isFinite(this.maxBytes)
    // Read Date.now at each call, so fake timers installed after the store is created apply.
    this.clock = options.now ?? (() => Date.now())
  }

  /** Keys currently stored, expired ones included until they are swept or read. */
  get size(): number {
    return this.entries.size
  }

  /** Configured byte bound, or 0 when unbounded (as Redis reports `maxmemory`). */
  get maxmemory(): number {
    return Number.isFinite(this.maxBytes) ? this.maxBytes : 0
  }

  nowMs(): number {
    return this.clock()
  }

  // ---- strings ----

  get(key: string): string | null {
    const entry = this.read(key, 'string')
    return entry ? (entry.value as string) : null
  }

  /** MGET semantics: a key of another type reads as null instead of WRONGTYPE. */
  mget(keys: readonly string[]): (string | null)[] {
    return keys.map((key) => {
      const entry = this.lookup(key)
      if (!entry || entry.kind !== 'string') return null
      this.touch(key, entry)
      return entry.value as string
    })
  }

  set(key: string, value: string, options: ScriptSetOptions = {}): boolean {
    const existing = this.lookup(key)
    if (options.nx && existing) return false
    if (options.xx && !existing) return false
    const expiresAt = options.ttlMs !== undefined ? this.clock() + options.ttlMs : options.keepTtl && existing ? existing.expiresAt : 0
    this.store(key, { kind: 'string', value, expiresAt, bytes: ENTRY_OVERHEAD + 2 * (key.length + value.length) })
    return true
  }

  del(keys: readonly string[]): number {
    let removed = 0
    for (const key of keys) if (this.lookup(key) && this.remove(key)) removed++
    return removed
  }

  exists(keys: readonly string[]): number {
    let found = 0
    for (const key of keys) if (this.lookup(key)) found++
    return found
  }

  pttl(key: string): number {
    const entry = this.lookup(key)
    if (!entry) return -2
    if (entry.expiresAt === 0) return -1
    return Math.max(0, entry.expiresAt - this.clock())
  }

  pexpire(key: string, ttlMs: number): boolean {
    const entry = this.lookup(key)
    if (!entry) return false
    entry.expiresAt = this.clock() + ttlMs
    return true
  }

  persist(key: string): boolean {
    const entry = this.lookup(key)
    if (!entry || entry.expiresAt === 0) return false
    entry.expiresAt = 0
    return true
  }

  incrBy(key: string, by: number): number {
    const entry = this.read(key, 'string')
    const current = entry ? parseInteger(entry.value as string, 'ERR value is not an integer or out of range') : 0n
    const next = addChecked(current, by)
    const text = next.toString()
    if (entry) {
      this.resize(entry, ENTRY_OVERHEAD + 2 * (key.length + text.length))
      entry.value = text
      this.touch(key, entry)
    } else {
      this.store(key, { kind: 'string', value: text, expiresAt: 0, bytes: ENTRY_OVERHEAD + 2 * (key.length + text.length) })
    }
    return Number(next)
  }

  rename(source: string, destination: string): void {
    const entry = this.lookup(source)
    if (!entry) throw new CommandError('ERR no such key', { driver: 'memory', reply: 'ERR' })
    if (source === destination) return
    this.remove(source)
    this.remove(destination)
    const keyDelta = 2 * (destination.length - source.length)
    this.store(destination, { ...entry, bytes: entry.bytes + keyDelta })
  }

  // ---- hashes ----

  hget(key: string, field: string): string | null {
    const entry = this.read(key, 'hash')
    return entry ? ((entry.value as Map<string, string>).get(field) ?? null) : null
  }

  hmget(key: string, fields: readonly string[]): (string | null)[] {
    if (fields.length === 0) return []
    const entry = this.read(key, 'hash')
    const hash = entry?.value as Map<string, string> | undefined
    return fields.map((field) => hash?.get(field) ?? null)
  }

  hset(key: string, fields: Readonly<Record<string, string>>): number {
    // Redis never holds an empty collection: an empty write changes nothing.
    if (Object.keys(fields).length === 0) return 0
    const entry = this.write(key, 'hash', () => new Map<string, string>())
    const hash = entry.value as Map<string, string>
    let added = 0
    for (const [field, value] of Object.entries(fields)) {
      const previous = hash.get(field)
      if (previous === undefined) {
        added++
        entry.bytes += ITEM_OVERHEAD + 2 * (field.length + value.length)
        this.usedBytes += ITEM_OVERHEAD + 2 * (field.length + value.length)
      } else {
        entry.bytes += 2 * (value.length - previous.length)
        this.usedBytes += 2 * (value.length - previous.length)
      }
      hash.set(field, value)
    }
    this.enforceBounds(key)
    return added
  }

  hdel(key: string, fields: readonly string[]): number {
    // An empty list is a no-op on every driver (Redis would refuse the command).
    if (fields.length === 0) return 0
    const entry = this.read(key, 'hash')
    if (!entry) return 0
    const hash = entry.value as Map<string, string>
    let removed = 0
    for (const field of fields) {
      const previous = hash.get(field)
      if (previous === undefined) continue
      hash.delete(field)
      this.resize(entry, entry.bytes - (ITEM_OVERHEAD + 2 * (field.length + previous.length)))
      removed++
    }
    if (hash.size === 0) this.remove(key)
    return removed
  }

  hgetall(key: string): Record<string, string> {
    const entry = this.read(key, 'hash')
    const result: Record<string, string> = {}
    // defineProperty, not assignment: a field named `__proto__` must stay a field.
    if (entry)
      for (const [field, value] of entry.value as Map<string, string>)
        Object.defineProperty(result, field, { value, enumerable: true, writable: true, configurable: true })
    return result
  }

  hincrBy(key: string, field: string, by: number): number {
    const current = this.hget(key, field)
    const next = addChecked(current === null ? 0n : parseInteger(current, 'ERR hash value is not an integer'), by)
    this.hset(key, { [field]: next.toString() })
    return Number(next)
  }

  // ---- sets ----

  sadd(key: string, members: readonly string[]): number {
    if (members.length === 0) return 0
    const entry = this.write(key, 'set', () => new Set<string>())
    const set = entry.value as Set<string>
    let added = 0
    for (const member of members) {
      if (set.has(member)) continue
      set.add(member)
      added++
      entry.bytes += ITEM_OVERHEAD + 2 * member.length
      this.usedBytes += ITEM_OVERHEAD + 2 * member.length
    }
    this.enforceBounds(key)
    return added
  }

  srem(key: string, members: readonly string[]): number {
    if (members.length === 0) return 0
    const entry = this.read(key, 'set')
    if (!entry) return 0
    const set = entry.value as Set<string>
    let removed = 0
    for (const member of members) {
      if (!set.delete(member)) continue
      removed++
      this.resize(entry, entry.bytes - (ITEM_OVERHEAD + 2 * member.length))
    }
    if (set.size === 0) this.remove(key)
    return removed
  }

  smembers(key: string): string[] {
    const entry = this.read(key, 'set')
    return entry ? [...(entry.value as Set<string>)] : []
  }

  sismember(key: string, member: string): boolean {
    const entry = this.read(key, 'set')
    return entry ? (entry.value as Set<string>).has(member) : false
  }

  scard(key: string): number {
    const entry = this.read(key, 'set')
    return entry ? (entry.value as Set<string>).size : 0
  }

  // ---- sorted sets ----

  zadd(key: string, entries: readonly ScoredMember[]): number {
    if (entries.length === 0) return 0
    const entry = this.write(key, 'zset', (): SortedSet => ({ scores: new Map(), ordered: undefined }))
    const zset = entry.value as SortedSet
    let added = 0
    for (const { member, score } of entries) {
      if (!zset.scores.has(member)) {
        added++
        entry.bytes += ITEM_OVERHEAD + 8 + 2 * member.length
        this.usedBytes += ITEM_OVERHEAD + 8 + 2 * member.length
      }
      zset.scores.set(member, normalizeZero(score))
    }
    zset.ordered = undefined
    this.enforceBounds(key)
    return added
  }

  zincrBy(key: string, member: string, by: number): number {
    const current = this.zscore(key, member) ?? 0
    const next = current + by
    if (Number.isNaN(next)) throw new CommandError('ERR resulting score is not a number (NaN)', { driver: 'memory', reply: 'ERR' })
    this.zadd(key, [{ member, score: next }])
    return normalizeZero(next)
  }

  zrem(key: string, members: readonly string[]): number {
    if (members.length === 0) return 0
    const entry = this.read(key, 'zset')
    if (!entry) return 0
    const zset = entry.value as SortedSet
    let removed = 0
    for (const member of members) {
      if (!zset.scores.delete(member)) continue
      removed++
      this.resize(entry, entry.bytes - (ITEM_OVERHEAD + 8 + 2 * member.length))
    }
    if (removed > 0) zset.ordered = undefined
    if (zset.scores.size === 0) this.remove(key)
    return removed
  }

  zscore(key: string, member: string): number | null {
    const entry = this.read(key, 'zset')
    return entry ? ((entry.value as SortedSet).scores.get(member) ?? null) : null
  }

  zcard(key: string): number {
    const entry = this.read(key, 'zset')
    return entry ? (entry.value as SortedSet).scores.size : 0
  }

  zrank(key: string, member: string, options: { rev?: boolean } = {}): number | null {
    const ordered = this.ordered(key)
    const index = ordered.findIndex((item) => item.member === member)
    if (index === -1) return null
    return options.rev ? ordered.length - 1 - index : index
  }

  zrangeWithScores(key: string, start: number, stop: number, options: { rev?: boolean } = {}): ScoredMember[] {
    const ordered = this.ordered(key)
    const length = ordered.length
    let from = start < 0 ? Math.max(0, length + start) : start
    let to = stop < 0 ? length + stop : Math.min(stop, length - 1)
    if (from > to || from >= length) return []
    if (options.rev) [from, to] = [length - 1 - to, length - 1 - from]
    const slice = ordered.slice(from, to + 1).map((item) => ({ ...item }))
    return options.rev ? slice.reverse() : slice
  }

  zrangeByScore(key: string, min: number, max: number, options: { rev?: boolean; offset?: number; count?: number } = {}): ScoredMember[] {
    const ordered = this.ordered(key)
    const matches = ordered.filter((item) => item.score >= min && item.score <= max)
    if (options.rev) matches.reverse()
    const offset = options.offset ?? 0
    const end = options.count === undefined ? matches.length : offset + options.count
    return matches.slice(offset, end).map((item) => ({ ...item }))
  }

  zremRangeByScore(key: string, min: number, max: number): number {
    const members = this.zrangeByScore(key, min, max).map((item) => item.member)
    return members.length === 0 ? 0 : this.zrem(key, members)
  }

  // ---- keyspace ----

  /** Live (unexpired) keys, in insertion/LRU order. A snapshot: later writes do not affect it. */
  keys(): string[] {
    const now = this.clock()
    const keys: string[] = []
    for (const [key, entry] of this.entries) if (entry.expiresAt === 0 || entry.expiresAt > now) keys.push(key)
    return keys
  }

  /** True when `key` exists and is unexpired, without touching its LRU position. */
  has(key: string): boolean {
    const entry = this.entries.get(key)
    return entry !== undefined && (entry.expiresAt === 0 || entry.expiresAt > this.clock())
  }

  /** How many keys have a TTL. */
  countVolatile(): number {
    let count = 0
    for (const entry of this.entries.values()) if (entry.expiresAt !== 0) count++
    return count
  }

  /**
   * Removes expired keys, examining at most `budget` keys per call and resuming where
   * the previous call stopped, so a sweep never blocks the event loop on a big store.
   */
  sweep(budget = 500): void {
    const now = this.clock()
    for (let examined = 0; examined < budget; examined++) {
      this.sweepCursor ??= this.entries.entries()
      const next = this.sweepCursor.next()
      if (next.done) {
        this.sweepCursor = undefined
        return
      }
      const [key, entry] = next.value
      if (entry.expiresAt !== 0 && entry.expiresAt <= now && this.entries.get(key) === entry) {
        this.remove(key)
        this.expiredKeys++
      }
    }
  }

  /** Drops everything. */
  clear(): void {
    this.entries.clear()
    this.usedBytes = 0
    this.sweepCursor = undefined
  }

  // ---- internals ----

  /** The live entry for `key`, expiring it lazily. */
  private lookup(key: string): Entry | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt !== 0 && entry.expiresAt <= this.clock()) {
      this.remove(key)
      this.expiredKeys++
      return undefined
    }
    return entry
  }

  /** The live entry for `key` of `kind`, or WRONGTYPE; marks it recently used. */
  private read(key: string, kind: Kind): Entry | undefined {
    const entry = this.lookup(key)
    if (!entry) return undefined
    if (entry.kind !== kind) throw new CommandError(WRONGTYPE, { driver: 'memory', reply: 'WRONGTYPE' })
    this.touch(key, entry)
    return entry
  }

  /** The entry to modify for a collection write, created empty when missing. */
  private write(key: string, kind: Kind, create: () => Entry['value']): Entry {
    const existing = this.read(key, kind)
    if (existing) return existing
    const entry: Entry = { kind, value: create(), expiresAt: 0, bytes: ENTRY_OVERHEAD + 2 * key.length }
    this.entries.set(key, entry)
    this.usedBytes += entry.bytes
    return entry
  }

  private store(key: string, entry: Entry): void {
    if (this.bounded && entry.bytes > this.maxBytes) {
      throw new CommandError("OOM command not allowed when used memory > 'maxmemory'.", { driver: 'memory', reply: 'OOM' })
    }
    const previous = this.entries.get(key)
    if (previous) {
      this.usedBytes -= previous.bytes
      this.entries.delete(key)
    }
    this.entries.set(key, entry)
    this.usedBytes += entry.bytes
    this.enforceBounds(key)
  }

  private remove(key: string): boolean {
    const entry = this.entries.get(key)
    if (!entry) return false
    this.entries.delete(key)
    this.usedBytes -= entry.bytes
    return true
  }

  private resize(entry: Entry, bytes: number): void {
    this.usedBytes += bytes - entry.bytes
    entry.bytes = bytes
  }

  /** Moves `key` to the most-recently-used end; only bounded stores pay for the order. */
  private touch(key: string, entry: Entry): void {
    if (!this.bounded) return
    this.entries.delete(key)
    this.entries.set(key, entry)
  }

  /** Evicts least-recently-used keys (never `keep`, the key just written) until within bounds. */
  private enforceBounds(keep: string): void {
    if (!this.bounded) return
    while (this.entries.size > this.maxEntries || this.usedBytes > this.maxBytes) {
      const oldest = this.entries.keys().next()
      if (oldest.done) return
      if (oldest.value === keep) {
        if (this.entries.size === 1) return
        this.touch(keep, this.entries.get(keep) as Entry)
        continue
      }
      this.remove(oldest.value)
      this.evictedKeys++
    }
  }

  private ordered(key: string): ScoredMember[] {
    const entry = this.read(key, 'zset')
    if (!entry) return []
    const zset = entry.value as SortedSet
    zset.ordered ??= [...zset.scores].map(([member, score]) => ({ member, score })).sort(compareScored)
    return zset.ordered
  }
}

/** Redis orders sorted-set ties by member bytes (UTF-8), which is code point order. */
function compareScored(a: ScoredMember, b: ScoredMember): number {
  return a.score - b.score || compareCodePoints(a.member, b.member)
}

/** Compares strings by Unicode code point (= UTF-8 byte order, as Redis's memcmp). */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return fixSurrogate(x) - fixSurrogate(y)
  }
  return a.length - b.length
}

function fixSurrogate(unit: number): number {
  if (unit < 0xd800) return unit
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800
}

function normalizeZero(score: number): number {
  return score === 0 ? 0 : score
}

function parseInteger(text: string, message: string): bigint {
  if (!/^(0|-?[1-9][0-9]{0,19})$/.test(text)) throw new CommandError(message, { driver: 'memory', reply: 'ERR' })
  const value = BigInt(text)
  if (value > INT64_MAX || value < INT64_MIN) throw new CommandError(message, { driver: 'memory', reply: 'ERR' })
  return value
}

function addChecked(current: bigint, by: number): bigint {
  const next = current + BigInt(by)
  if (next > INT64_MAX || next < INT64_MIN) {
    throw new CommandError('ERR increment or decrement would overflow', { driver: 'memory', reply: 'ERR' })
  }
  return next
}
