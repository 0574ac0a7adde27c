/**
 * A counter family: many counters of one kind (`video:views` per video id), with ids
 * escaped into keys, optional write-behind deltas for `flush()`, and a default TTL.
 */
import { parseDuration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'
import type { GiveBacks } from '../core/give-backs.js'
import type { Driver } from '../drivers/driver.js'
import type { ParamValue } from '../keys/escape.js'
import { counterIncr } from '../scripts/counter-incr.js'
import { incrWithTtl } from '../scripts/incr-with-ttl.js'
import { FamilyKeys } from './counter-keys.js'
import { checkBy, parseCount } from './count.js'
import { flushFamily, type FlushHandler } from './flush.js'
import { repeatFlush, type FlushSchedule } from './flush-schedule.js'
import {
  resolveCounterTtl,
  resolveFlushOptions,
  type CounterWriteOptions,
  type FlushOptions,
  type FlushResult,
  type ScheduleFlushOptions,
} from './options.js'

/** A counter id within a family: any string or number; escaped into the key. */
export type CounterId = ParamValue

/** What `kit.counters.family(name, options)` returns. */
export class CounterFamily {
  /** The family name. */
  readonly name: string
  /** Whether increments are recorded for `flush()`. */
  readonly writeBehind: boolean
  /** The family's default TTL in ms (0: none). */
  readonly ttlMs: number
  /** @internal */
  readonly keys: FamilyKeys
  private readonly driver: Driver
  private readonly schedules: Set<FlushSchedule>
  private readonly giveBacks: GiveBacks

  /** @internal Use `kit.counters.family()`. */
  constructor(driver: Driver, keys: FamilyKeys, writeBehind: boolean, ttlMs: number, schedules: Set<FlushSchedule>, giveBacks: GiveBacks) {
    this.giveBacks = giveBacks
    this.driver = driver
    this.keys = keys
    this.name = keys.family
    this.writeBehind = writeBehind
    this.ttlMs = ttlMs
    this.schedules = schedules
  }

  /**
   * Adds `by` (default 1) to counter `id` and resolves its new value: one round trip,
   * atomic with the write-behind delta and the first-write TTL.
   *
   * @throws {ValidationError} for a bad id, a `by` that is not a safe integer, a bad TTL.
   * @throws {DriverError} when Redis is unreachable: the increment did not happen (or, on
   * a timeout, may have happened: do not blindly retry).
   * @example await views.incr(videoId)
   */
  async incr(id: CounterId, by = 1, options: CounterWriteOptions = {}): Promise<number> {
    checkBy(by)
    const ttlMs = options.ttl === undefined ? this.ttlMs : resolveCounterTtl(options.ttl)
    const { key, shard, member } = this.keys.counter(id)
    if (this.writeBehind) return this.driver.eval(counterIncr, [key, this.keys.pending(shard)], [String(by), String(ttlMs), member])
    if (ttlMs > 0) return this.driver.eval(incrWithTtl, [key], [String(by), String(ttlMs)])
    return this.driver.incrBy(key, by)
  }

  /**
   * Subtracts `by` (default 1): `incr(id, -by)`.
   * @example await unread.decr(userId)
   */
  async decr(id: CounterId, by = 1, options: CounterWriteOptions = {}): Promise<number> {
    checkBy(by)
    return this.incr(id, -by, options)
  }

  /**
   * The counter's value; 0 when it does not exist.
   * @example const views = await videoViews.get(videoId)
   */
  async get(id: CounterId): Promise<number> {
    const { key } = this.keys.counter(id)
    return parseCount(await this.driver.get(key), key)
  }

  /**
   * The values of many counters, in order (one MGET; split per slot on a cluster).
   * @example const [a, b] = await videoViews.getMany(['v1', 'v2'])
   */
  async getMany(ids: readonly CounterId[]): Promise<number[]> {
    if (!Array.isArray(ids)) throw new ValidationError('getMany takes an array of ids')
    if (ids.length === 0) return []
    const keys = ids.map((id) => this.keys.counter(id).key)
    const values = await this.driver.mget(keys)
    return values.map((value, index) => parseCount(value, keys[index] as string))
  }

  /**
   * Deletes counter `id` (it reads 0 again). Pending write-behind deltas are kept: they
   * describe increments that happened and still go to `flush()`.
   * @example await unread.reset(userId)
   */
  async reset(id: CounterId): Promise<void> {
    await this.driver.del([this.keys.counter(id).key])
  }

  /**
   * Hands the pending deltas to `handler` in batches (write-behind families only), at
   * least once, under the family's flush lock: see docs/counters.md.
   *
   * @throws {LockNotAcquiredError} when another process is flushing the family (after `wait`).
   * @throws whatever `handler` throws (that batch's deltas are merged back first).
   * @throws {DriverError} when Redis is unreachable (taken batches are recovered by the next flush).
   * @example
   * await views.flush(async (batch) => {
   *   await db.videos.bulkWrite(batch.deltas.map(({ id, delta }) => ({ updateOne: { filter: { _id: id }, update: { $inc: { views: delta } } } })))
   * })
   */
  async flush(handler: FlushHandler, options: FlushOptions = {}): Promise<FlushResult> {
    if (!this.writeBehind)
      throw new ValidationError(
        `counter family ${JSON.stringify(this.name)} has no write-behind deltas to flush; declare it with { writeBehind: true }`,
      )
    if (typeof handler !== 'function') throw new ValidationError('flush needs a handler function')
    return flushFamily(this.driver, this.giveBacks, this.keys, handler, resolveFlushOptions(options))
  }

  /**
   * Flushes every `options.every` in this process, until `stop()` or the kit closes. Run
   * it in every instance: the flush lock lets one flush per round.
   *
   * @throws {ValidationError} (synchronously) for a bad `every`, bad flush options, or a family without write-behind.
   * @example
   * const schedule = views.scheduleFlush((batch) => applyViews(batch), { every: '5m' })
   */
  scheduleFlush(handler: FlushHandler, options: ScheduleFlushOptions): FlushSchedule {
    if (!this.writeBehind)
      throw new ValidationError(
        `counter family ${JSON.stringify(this.name)} has no write-behind deltas to flush; declare it with { writeBehind: true }`,
      )
    if (typeof handler !== 'function') throw new ValidationError('scheduleFlush needs a handler function')
    if (typeof options !== 'object' || options === null) throw new ValidationError('scheduleFlush needs options with `every`')
    const everyMs = parseDuration(options.every, 'every')
    if (everyMs <= 0) throw new ValidationError('every must be positive')
    const flushOptions = resolveFlushOptions(options)
    const onError =
      options.onError ??
      ((error: unknown) => console.error(`cachekit: scheduled flush of counter family ${JSON.stringify(this.name)} failed`, error))
    const repeating = repeatFlush(
      () => flushFamily(this.driver, this.giveBacks, this.keys, handler, flushOptions),
      everyMs,
      options.onFlush,
      onError,
    )
    const schedule: FlushSchedule = {
      stop: async () => {
        this.schedules.delete(schedule)
        await repeating.stop()
      },
    }
    this.schedules.add(schedule)
    return schedule
  }
}
