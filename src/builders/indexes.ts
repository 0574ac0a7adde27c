/**
 * Read helpers of built outputs. Index reads go straight to the driver (no cache-aside):
 * when Redis is away they reject with the driver's error, so fall back to the source.
 * A missing index reads as empty: a category without videos has no key.
 */
import { ValidationError } from '../core/errors/index.js'
import type { ScoredMember } from '../drivers/driver.js'
import type { CacheKey } from '../keys/key-family.js'
import type { KeyParams } from '../keys/template.js'
import { Builder } from './builder.js'
import type { AnyBuilderDefinition, BuilderDefinition } from './types.js'

/** Options of {@link SortedSetIndex.page}. */
export interface PageOptions {
  /**
   * Members to skip.
   * @default 0
   */
  offset?: number
  /**
   * Members to return at most.
   * @default 20
   */
  limit?: number
  /**
   * `'asc'`: lowest score first; `'desc'`: highest first (newest first for times).
   * @default 'asc'
   */
  order?: 'asc' | 'desc'
}

/** Options of {@link SortedSetIndex.byScore}. */
export interface ScoreRangeOptions extends PageOptions {
  /** Lowest score, inclusive. @default -Infinity */
  min?: number
  /** Highest score, inclusive. @default Infinity */
  max?: number
}

const PAGE_DEFAULTS = Object.freeze({ offset: 0, limit: 20, maxLimit: 10_000 })

/** A sorted-set index: members ordered by score, read by page. */
export class SortedSetIndex<Template extends string, Value> extends Builder<Template, Value, 'sorted-set'> {
  /**
   * One page of members.
   * @example const newest = await kit.builders.videosByCategory.page({ categoryId }, { limit: 20, order: 'desc' })
   */
  async page(params: KeyParams<Template>, options: PageOptions = {}): Promise<string[]> {
    const { offset, limit, rev } = resolvePage(options)
    return this.runtime.driver.zrange(this.keyOf(params), offset, offset + limit - 1, { rev })
  }

  /** One page of members with their scores. */
  async pageWithScores(params: KeyParams<Template>, options: PageOptions = {}): Promise<ScoredMember[]> {
    const { offset, limit, rev } = resolvePage(options)
    return this.runtime.driver.zrangeWithScores(this.keyOf(params), offset, offset + limit - 1, { rev })
  }

  /**
   * Members with scores between `min` and `max` (inclusive), paged.
   * @example const lastWeek = await index.byScore({ categoryId }, { min: Date.now() - 7 * 86_400_000, order: 'desc' })
   */
  async byScore(params: KeyParams<Template>, options: ScoreRangeOptions = {}): Promise<ScoredMember[]> {
    const { offset, limit, rev } = resolvePage(options)
    const min = options.min ?? Number.NEGATIVE_INFINITY
    const max = options.max ?? Number.POSITIVE_INFINITY
    return this.runtime.driver.zrangeByScore(this.keyOf(params), min, max, { rev, offset, count: limit })
  }

  /** How many members the index holds (ZCARD, O(1)): the plans' separate count keys are not needed. */
  async count(params: KeyParams<Template>): Promise<number> {
    return this.runtime.driver.zcard(this.keyOf(params))
  }

  /** A member's score, or `null`. */
  async score(params: KeyParams<Template>, member: string): Promise<number | null> {
    return this.runtime.driver.zscore(this.keyOf(params), member)
  }

  /** A member's 0-based position in `order`, or `null`. */
  async rank(params: KeyParams<Template>, member: string, options: Pick<PageOptions, 'order'> = {}): Promise<number | null> {
    return this.runtime.driver.zrank(this.keyOf(params), member, { rev: resolveOrder(options.order) })
  }

  /** Whether `member` is in the index. */
  async has(params: KeyParams<Template>, member: string): Promise<boolean> {
    return (await this.score(params, member)) !== null
  }
}

/** A set index: an unordered lookup. */
export class SetIndex<Template extends string, Value> extends Builder<Template, Value, 'set'> {
  /**
   * Every member (SMEMBERS: keep sets small, as lookups are).
   * @example const categoryIds = await kit.builders.categoriesOfVideo.members({ videoId })
   */
  async members(params: KeyParams<Template>): Promise<string[]> {
    return this.runtime.driver.smembers(this.keyOf(params))
  }

  /** Whether `member` is in the set. */
  async has(params: KeyParams<Template>, member: string): Promise<boolean> {
    return this.runtime.driver.sismember(this.keyOf(params), member)
  }

  /** How many members the set holds. */
  async count(params: KeyParams<Template>): Promise<number> {
    return this.runtime.driver.scard(this.keyOf(params))
  }
}

/** A builder of cache entries: read them like any entry, or with `get`. */
export class ValueBuilder<Template extends string, Value> extends Builder<Template, Value, 'value'> {
  /**
   * The built entry under `params` (through the cache: L1, schema, tags, fail-open), or `undefined`.
   * @example const category = await kit.builders.categories.get({ id })
   */
  async get(params: KeyParams<Template>): Promise<Value | undefined> {
    const key = (this.definition.key as unknown as (params: KeyParams<Template>) => CacheKey<Value>)(params)
    return this.runtime.cache.get(key)
  }
}

/** The bound builder type of a definition. */
export type BoundBuilder<Definition> =
  Definition extends BuilderDefinition<infer Template, infer Value, infer Kind>
    ? Kind extends 'sorted-set'
      ? SortedSetIndex<Template, Value>
      : Kind extends 'set'
        ? SetIndex<Template, Value>
        : ValueBuilder<Template, Value>
    : never

/** `kit.builders`: one bound builder per registered definition. */
export type BoundBuilders<Definitions extends Record<string, AnyBuilderDefinition>> = {
  readonly [Name in keyof Definitions]: BoundBuilder<Definitions[Name]>
}

function resolvePage(options: PageOptions): { offset: number; limit: number; rev: boolean } {
  const offset = options.offset ?? PAGE_DEFAULTS.offset
  const limit = options.limit ?? PAGE_DEFAULTS.limit
  if (!Number.isSafeInteger(offset) || offset < 0) throw new ValidationError(`offset must be a non-negative integer, got ${String(offset)}`)
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > PAGE_DEFAULTS.maxLimit) {
    throw new ValidationError(`limit must be an integer from 1 to ${PAGE_DEFAULTS.maxLimit}, got ${String(limit)}`)
  }
  return { offset, limit, rev: resolveOrder(options.order) }
}

function resolveOrder(order: PageOptions['order']): boolean {
  if (order === undefined || order === 'asc') return false
  if (order === 'desc') return true
  throw new ValidationError(`order must be 'asc' or 'desc', got ${String(order)}`)
}
