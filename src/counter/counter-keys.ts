/**
 * Where counters live, all under the kit namespace's `__cnt:` segment:
 * - a plain counter `name`: `<prefix>__cnt:<name>`;
 * - counter `id` of family `F`: `<prefix>__cnt:{F|<shard>}:id:<escaped id>`, beside the
 *   shard's pending deltas (`...:pending`), batch index (`...:batches`) and batches
 *   (`...:batch:<batch id>`). One hash tag per shard, so every script of a shard is
 *   Cluster-safe, and shards spread a family over the cluster's masters;
 * - the family's flush lock: `<prefix>__cnt:{F}:flush` (and `:flush:fence`).
 * Plain names may not contain braces, so they never collide with family keys.
 * Leaderboards live under `__lb:<name>`, trending sets under `__trend:{<name>}:<era>`.
 */
import { ValidationError } from '../core/errors/index.js'
import { hashSlot } from '../core/slot.js'
import { escapeParam, type ParamValue } from '../keys/escape.js'
import type { LeaseKeys } from '../lock/lock-keys.js'

// Braces would forge a hash tag; glob metacharacters would widen SCAN patterns; '|'
// separates a family from its shard number.
const FORBIDDEN = /[\x00-\x20\x7f*?[\]\\{}|]/

/**
 * Checks a counter, family, leaderboard or trending name: `:`-separated non-empty
 * segments, without braces, glob metacharacters, `|`, whitespace or control characters.
 * Put user input in a family id (escaped) rather than in a name.
 *
 * @throws {ValidationError} for anything else.
 */
export function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new ValidationError(`${what} must be a non-empty string`)
  if (name.startsWith(':') || name.endsWith(':') || name.includes('::'))
    throw new ValidationError(`${what} ${JSON.stringify(name)} has an empty ':' segment`)
  if (!name.isWellFormed()) throw new ValidationError(`${what} contains a lone UTF-16 surrogate`)
  const bad = FORBIDDEN.exec(name)
  if (bad !== null)
    throw new ValidationError(`${what} ${JSON.stringify(name)} must not contain ${JSON.stringify(bad[0])}; pass user input as a family id`)
  return name
}

/** The key of plain counter `name`. */
export function plainCounterKey(prefix: string, name: string): string {
  return `${prefix}__cnt:${checkName(name, 'counter name')}`
}

/** The keys of one counter family. */
export class FamilyKeys {
  constructor(
    private readonly prefix: string,
    /** The (checked) family name. */
    readonly family: string,
    /** How many shards the family has. */
    readonly shards: number,
  ) {}

  /** The counter key of `id` and the shard it lives in. */
  counter(id: ParamValue): { key: string; shard: number; member: string } {
    const escaped = escapeParam(id, 'counter id')
    const shard = hashSlot(escaped) % this.shards
    return { key: `${this.shardHead(shard)}:id:${escaped}`, shard, member: String(id) }
  }

  /** The shard's pending deltas: a sorted set, counter id -> delta. */
  pending(shard: number): string {
    return `${this.shardHead(shard)}:pending`
  }

  /** The shard's batch index: a sorted set, batch id -> when it was taken. */
  batches(shard: number): string {
    return `${this.shardHead(shard)}:batches`
  }

  /** One taken batch in the shard: a sorted set, counter id -> delta. */
  batch(shard: number, batchId: string): string {
    return `${this.shardHead(shard)}:batch:${batchId}`
  }

  /** The family's flush lock. */
  flushLock(): LeaseKeys {
    const key = `${this.prefix}__cnt:{${this.family}}:flush`
    return { key, fenceKey: `${key}:fence` }
  }

  private shardHead(shard: number): string {
    return `${this.prefix}__cnt:{${this.family}|${shard}}`
  }
}
