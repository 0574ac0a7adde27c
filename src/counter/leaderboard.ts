/** A leaderboard: one sorted set, highest score first. Every call is one command, O(log n) (top: O(log n + count)). */
import { ValidationError } from '../core/errors/index.js'
import type { Driver } from '../drivers/driver.js'
import { COUNTER_LIMITS } from './options.js'

/** A member with its score and 1-based rank (1 is the highest score). */
export interface RankedMember {
  readonly member: string
  readonly score: number
  readonly rank: number
}

/** What `kit.counters.leaderboard(name)` returns. */
export class Leaderboard {
  /** The leaderboard's name. */
  readonly name: string
  private readonly driver: Driver
  private readonly key: string

  /** @internal Use `kit.counters.leaderboard()`. */
  constructor(driver: Driver, name: string, key: string) {
    this.driver = driver
    this.name = name
    this.key = key
  }

  /**
   * Adds `by` (default 1; any finite number) to `member`'s score and resolves the new score.
   * @example await likes.incrScore(videoId)
   */
  async incrScore(member: string, by = 1): Promise<number> {
    checkMember(member)
    if (typeof by !== 'number' || !Number.isFinite(by))
      throw new ValidationError(`a score increment must be a finite number, got ${String(by)}`)
    return this.driver.zincrBy(this.key, member, by)
  }

  /**
   * Sets `member`'s score.
   * @example await highScores.setScore('ada', 9_001)
   */
  async setScore(member: string, score: number): Promise<void> {
    checkMember(member)
    if (typeof score !== 'number' || !Number.isFinite(score))
      throw new ValidationError(`a score must be a finite number, got ${String(score)}`)
    await this.driver.zadd(this.key, [{ member, score }])
  }

  /**
   * `member`'s score, or `null` when it is not on the board.
   * @example await likes.score(videoId)
   */
  async score(member: string): Promise<number | null> {
    checkMember(member)
    return this.driver.zscore(this.key, member)
  }

  /**
   * `member`'s 1-based rank, highest score first, or `null` when it is not on the board.
   * Equal scores rank in reverse byte order of the member, as Redis orders them.
   * @example await likes.rank(videoId) // 1 for the most liked
   */
  async rank(member: string): Promise<number | null> {
    checkMember(member)
    const rank = await this.driver.zrank(this.key, member, { rev: true })
    return rank === null ? null : rank + 1
  }

  /**
   * The `count` highest-scoring members, highest first.
   * @example const top10 = await likes.top(10)
   */
  async top(count: number): Promise<RankedMember[]> {
    checkCount(count)
    const members = await this.driver.zrangeWithScores(this.key, 0, count - 1, { rev: true })
    return members.map(({ member, score }, index) => ({ member, score, rank: index + 1 }))
  }

  /**
   * Removes `member`; resolves whether it was there.
   * @example await likes.remove(deletedVideoId)
   */
  async remove(member: string): Promise<boolean> {
    checkMember(member)
    return (await this.driver.zrem(this.key, [member])) > 0
  }

  /**
   * How many members the board has.
   * @example await likes.size()
   */
  async size(): Promise<number> {
    return this.driver.zcard(this.key)
  }

  /**
   * Empties the board.
   * @example await weeklyScores.reset()
   */
  async reset(): Promise<void> {
    await this.driver.del([this.key])
  }
}

/** Checks a sorted-set member: a non-empty, well-formed string (members are data, never part of a key). */
export function checkMember(member: unknown): asserts member is string {
  if (typeof member !== 'string' || member.length === 0) throw new ValidationError('a member must be a non-empty string')
  if (!member.isWellFormed()) throw new ValidationError('a member contains a lone UTF-16 surrogate')
}

/** Checks a `top(count)` argument. */
export function checkCount(count: unknown): asserts count is number {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > COUNTER_LIMITS.maxTop) {
    throw new ValidationError(`count must be an integer from 1 to ${COUNTER_LIMITS.maxTop}, got ${String(count)}`)
  }
}
