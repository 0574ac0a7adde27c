/**
 * Trending: scores that fade with a half-life, on one sorted set, so "top 10 of the last
 * hour" is one O(log n + 10) read and every increment one O(log n) write.
 *
 * An increment of `by` at time t is stored as `by * 2^((t - eraStart) / halfLife)`, growing
 * exponentially instead of decaying every stored score; read at time `now`, a stored score
 * divided by `2^((now - eraStart) / halfLife)` is the decayed sum. Scores would overflow
 * eventually, so time is cut into eras of 64 half-lives, each with its own key (scores stay
 * below 2^64 * by). In the last 16 half-lives of an era every increment is also written,
 * rescaled, into the next era's key, so when the next era starts it already holds
 * everything that still weighs more than 2^-16 (0.0015 %) of its original value: reads
 * only ever look at the current era. The key of an era expires shortly after it ends.
 */
import { parseDuration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'
import type { Driver } from '../drivers/driver.js'
import { counterTrendIncr } from '../scripts/counter-trend-incr.js'
import { checkCount, checkMember, type RankedMember } from './leaderboard.js'
import { COUNTER_DEFAULTS, COUNTER_LIMITS, integerIn, type TrendingOptions } from './options.js'

const ERA_HALF_LIVES = 64
const OVERLAP_HALF_LIVES = 16

/** What `kit.counters.trending(name, options)` returns. */
export class Trending {
  /** The trending set's name. */
  readonly name: string
  /** The half-life, in ms. */
  readonly halfLifeMs: number
  /** How many members it keeps. */
  readonly maxMembers: number
  private readonly driver: Driver
  private readonly keyHead: string
  private readonly eraMs: number

  /** @internal Use `kit.counters.trending()`. */
  constructor(driver: Driver, name: string, keyHead: string, options: TrendingOptions) {
    if (typeof options !== 'object' || options === null) throw new ValidationError('trending options must be an object')
    this.driver = driver
    this.name = name
    this.keyHead = keyHead
    this.halfLifeMs = parseDuration(options.halfLife ?? COUNTER_DEFAULTS.halfLifeMs, 'halfLife')
    if (this.halfLifeMs < 1000) throw new ValidationError('halfLife must be at least 1s')
    this.maxMembers = integerIn(options.maxMembers ?? COUNTER_DEFAULTS.maxMembers, 1, COUNTER_LIMITS.maxMembers, 'maxMembers')
    this.eraMs = this.halfLifeMs * ERA_HALF_LIVES
  }

  /**
   * Adds `by` (default 1; any finite number) to `member` now, and resolves its decayed
   * score. One round trip.
   * @example await trendingVideos.incr(videoId)
   */
  async incr(member: string, by = 1): Promise<number> {
    checkMember(member)
    if (typeof by !== 'number' || !Number.isFinite(by))
      throw new ValidationError(`a trending increment must be a finite number, got ${String(by)}`)
    const now = Date.now()
    const era = Math.floor(now / this.eraMs)
    const eraStart = era * this.eraMs
    const nextStart = eraStart + this.eraMs
    const keys = [this.key(era)]
    const args = [member, String(by * this.growth(now - eraStart)), String(nextStart - now + this.halfLifeMs), String(this.maxMembers)]
    if (now >= nextStart - OVERLAP_HALF_LIVES * this.halfLifeMs) {
      keys.push(this.key(era + 1))
      args.push(String(by * this.growth(now - nextStart)), String(nextStart + this.eraMs - now + this.halfLifeMs))
    } else {
      args.push('0', '0')
    }
    const stored = await this.driver.eval(counterTrendIncr, keys, args)
    return stored / this.growth(now - eraStart)
  }

  /**
   * The `count` members with the highest decayed scores now, highest first.
   * @example const hot = await trendingVideos.top(10)
   */
  async top(count: number): Promise<RankedMember[]> {
    checkCount(count)
    const { key, scale } = this.current()
    const members = await this.driver.zrangeWithScores(key, 0, count - 1, { rev: true })
    return members.map(({ member, score }, index) => ({ member, score: score / scale, rank: index + 1 }))
  }

  /**
   * `member`'s decayed score now; 0 when it has none.
   * @example await trendingVideos.score(videoId)
   */
  async score(member: string): Promise<number> {
    checkMember(member)
    const { key, scale } = this.current()
    return ((await this.driver.zscore(key, member)) ?? 0) / scale
  }

  private current(): { key: string; scale: number } {
    const now = Date.now()
    const era = Math.floor(now / this.eraMs)
    return { key: this.key(era), scale: this.growth(now - era * this.eraMs) }
  }

  private growth(sinceMs: number): number {
    return 2 ** (sinceMs / this.halfLifeMs)
  }

  private key(era: number): string {
    return `${this.keyHead}:${era}`
  }
}
