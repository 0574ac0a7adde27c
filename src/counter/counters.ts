/**
 * `kit.counters`: atomic counters with a TTL set on first write, counter families with
 * write-behind flushes to your database, leaderboards and trending sets.
 *
 * With Redis unreachable, every call rejects with a `DriverError`: increments are not
 * buffered in process (a buffer would be lost with the process, could not be read by
 * other instances, and would make `incr` answer values nobody else sees). Callers that
 * can lose a count (page views) catch it; callers that cannot (a balance) must not use a
 * cache-side counter as their source of truth.
 */
import { ValidationError } from '../core/errors/index.js'
import { GiveBacks } from '../core/give-backs.js'
import type { Driver } from '../drivers/driver.js'
import { incrWithTtl } from '../scripts/incr-with-ttl.js'
import { checkName, FamilyKeys, plainCounterKey } from './counter-keys.js'
import { CounterFamily } from './counter-family.js'
import { checkBy, parseCount } from './count.js'
import type { FlushSchedule } from './flush-schedule.js'
import { Leaderboard } from './leaderboard.js'
import {
  COUNTER_DEFAULTS,
  COUNTER_LIMITS,
  integerIn,
  resolveCounterTtl,
  type CounterFamilyOptions,
  type CounterWriteOptions,
  type TrendingOptions,
} from './options.js'
import { Trending } from './trending.js'

/** The counter service of a kit. */
export class Counters {
  private readonly families = new Map<string, CounterFamily>()
  private readonly schedules = new Set<FlushSchedule>()
  /** Flush-lock releases that could not be sent, waiting to be given back. */
  private readonly giveBacks = new GiveBacks()

  /** @internal Use `kit.counters`. */
  constructor(
    private readonly driver: Driver,
    private readonly prefix: string,
  ) {}

  /**
   * Adds `by` (default 1) to the counter `name` and resolves its new value. With `ttl`,
   * the counter gets it on its first write, in the same round trip.
   *
   * @throws {ValidationError} for a bad name (`:`-separated segments; no braces, glob
   * characters, `|` or whitespace: put user input in a {@link family} id), a `by` that is
   * not a safe integer, or a bad TTL.
   * @throws {DriverError} when Redis is unreachable (see the module comment).
   * @example await kit.counters.incr('signups:2024-06-01', 1, { ttl: '7d' })
   */
  async incr(name: string, by = 1, options: CounterWriteOptions = {}): Promise<number> {
    checkBy(by)
    const key = plainCounterKey(this.prefix, name)
    const ttlMs = resolveCounterTtl(options.ttl)
    if (ttlMs > 0) return this.driver.eval(incrWithTtl, [key], [String(by), String(ttlMs)])
    return this.driver.incrBy(key, by)
  }

  /**
   * Subtracts `by` (default 1): `incr(name, -by)`.
   * @example await kit.counters.decr('jobs:running')
   */
  async decr(name: string, by = 1, options: CounterWriteOptions = {}): Promise<number> {
    checkBy(by)
    return this.incr(name, -by, options)
  }

  /**
   * The counter's value; 0 when it does not exist (or expired).
   * @example await kit.counters.get('signups:2024-06-01')
   */
  async get(name: string): Promise<number> {
    const key = plainCounterKey(this.prefix, name)
    return parseCount(await this.driver.get(key), key)
  }

  /**
   * Many counters in one MGET (split per slot on a cluster), in order.
   * @example const [today, yesterday] = await kit.counters.getMany(['signups:2024-06-02', 'signups:2024-06-01'])
   */
  async getMany(names: readonly string[]): Promise<number[]> {
    if (!Array.isArray(names)) throw new ValidationError('getMany takes an array of counter names')
    if (names.length === 0) return []
    const keys = names.map((name) => plainCounterKey(this.prefix, name))
    const values = await this.driver.mget(keys)
    return values.map((value, index) => parseCount(value, keys[index] as string))
  }

  /**
   * Deletes the counter (it reads 0 again).
   * @example await kit.counters.reset('jobs:running')
   */
  async reset(name: string): Promise<void> {
    await this.driver.del([plainCounterKey(this.prefix, name)])
  }

  /**
   * A family of counters, one per id: `video:views` per video. Ids are escaped into keys
   * (any text is safe). Declaring a family twice with the same options returns the same
   * object; with different options it throws.
   *
   * @throws {ValidationError} for a bad name or options, or options that differ from an earlier declaration.
   * @example
   * const views = kit.counters.family('video:views', { writeBehind: true })
   * await views.incr(videoId)
   */
  family(name: string, options: CounterFamilyOptions = {}): CounterFamily {
    checkName(name, 'family name')
    if (typeof options !== 'object' || options === null) throw new ValidationError('family options must be an object')
    const writeBehind = options.writeBehind ?? false
    if (typeof writeBehind !== 'boolean') throw new ValidationError('writeBehind must be a boolean')
    const ttlMs = resolveCounterTtl(options.ttl)
    const shards = integerIn(options.shards ?? COUNTER_DEFAULTS.shards, 1, COUNTER_LIMITS.maxShards, 'shards')
    const known = this.families.get(name)
    if (known) {
      if (known.writeBehind !== writeBehind || known.ttlMs !== ttlMs || known.keys.shards !== shards) {
        throw new ValidationError(`counter family ${JSON.stringify(name)} is already declared with other options`)
      }
      return known
    }
    const family = new CounterFamily(
      this.driver,
      new FamilyKeys(this.prefix, name, shards),
      writeBehind,
      ttlMs,
      this.schedules,
      this.giveBacks,
    )
    this.families.set(name, family)
    return family
  }

  /**
   * A leaderboard: scores per member, highest first.
   * @example const likes = kit.counters.leaderboard('videos:likes')
   */
  leaderboard(name: string): Leaderboard {
    return new Leaderboard(this.driver, checkName(name, 'leaderboard name'), `${this.prefix}__lb:${name}`)
  }

  /**
   * A trending set: scores that fade with a half-life (see docs/counters.md).
   * @example const hot = kit.counters.trending('videos', { halfLife: '1h' })
   */
  trending(name: string, options: TrendingOptions = {}): Trending {
    return new Trending(this.driver, checkName(name, 'trending name'), `${this.prefix}__trend:{${name}}`, options)
  }

  /** @internal Stops every scheduled flush (the kit's `close()` calls it). */
  async close(): Promise<void> {
    this.giveBacks.close()
    await Promise.all([...this.schedules].map((schedule) => schedule.stop()))
  }
}
