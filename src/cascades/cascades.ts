/**
 * Cascades: relations declared once ("when a video changes, invalidate its detail, the
 * indexes of its old and new categories, and the list pages") and run by name with
 * `kit.invalidate('video.changed', params)`. A cascade returns what to invalidate; the
 * kit does it with the fewest round trips: all keys in one DEL (split per slot on a
 * Cluster, the parts sent together), one small write per tag, the patterns' scans side
 * by side; then the rebuilds. The report says what was touched.
 */
import type { BuildReport, BuildTarget } from '../builders/types.js'
import { describeValue } from '../core/describe-value.js'
import { InvalidationError, ValidationError } from '../core/errors/index.js'
import type { EventSink } from '../core/events.js'
import { qualifyPattern, type PatternInvalidationReport } from '../invalidation/pattern.js'
import { resolveTagInvalidation, type TagInvalidationOptions, type TagInvalidationReport } from '../invalidation/tag-invalidation.js'
import type { AnyKeyParams, CacheKey } from '../keys/key-family.js'
import type { Namespace } from '../keys/namespace.js'

/** What one run of a cascade invalidates. Every list is optional. */
export interface CascadeTargets {
  /** Entries to delete: keys from the key builders (`keys.videoDetail({ id })`) or plain keys below the namespace. */
  keys?: readonly CascadeKey[]
  /** Tags to invalidate (every entry carrying one becomes a miss). */
  tags?: readonly string[]
  /** Patterns relative to the namespace, from the key builders: `keys.videoList.pattern()`. */
  patterns?: readonly string[]
  /**
   * Builder outputs to rebuild once everything else is invalidated, so readers switch
   * from the old index to the new one without ever seeing none: `videosByCategory.for({ categoryId })`.
   */
  rebuild?: readonly BuildTarget[]
  /**
   * How the tags are invalidated (see `invalidateTags`).
   * @default 'delete'
   */
  tagMode?: 'delete' | 'expire'
}

/** A cascade: from the event's parameters to what it invalidates. Annotate `params`: the kit's `invalidate` is typed from it. */
export type Cascade<Params> = (params: Params) => CascadeTargets | Promise<CascadeTargets>

/** The cascades of a kit, by name. */
export type CascadeMap = Record<string, Cascade<never>>

/** The parameters a cascade takes. */
export type CascadeParams<C> = C extends (params: infer Params) => unknown ? Params : never

/** What `kit.invalidate` did. */
export interface CascadeReport {
  readonly cascade: string
  /**
   * The keys deleted (full keys, duplicates removed) and how many of them existed.
   * `queued`: the driver was away, so the delete waits in the outbox and is sent again
   * when it answers (this process treats the keys as deleted meanwhile).
   */
  readonly keys: { readonly names: readonly string[]; readonly deleted: number; readonly queued: boolean }
  /** The tag invalidation, when the cascade named tags. */
  readonly tags: TagInvalidationReport | undefined
  readonly patterns: readonly PatternInvalidationReport[]
  readonly rebuilt: readonly BuildReport[]
  readonly durationMs: number
}

/** The `invalidate` event a cascade announces when it completes. */
export interface CascadeInvalidationEvent {
  kind: 'cascade'
  cascade: string
  report: CascadeReport
}

/** The events cascades announce (part of the kit's events). */
export interface CascadeEvents {
  /** A cascade completed. */
  invalidate: CascadeInvalidationEvent
}

/** A key a cascade deletes: from the key builders, or a plain key below the namespace. */
type CascadeKey = CacheKey<unknown, AnyKeyParams> | string

/** The cache calls a cascade makes (`kit.cache` has them). */
export interface CascadeCache {
  keyOf(key: CascadeKey): string
  deleteReporting(keys: readonly CascadeKey[]): Promise<{ deleted: number; queued: boolean }>
  invalidateTags(tags: readonly string[], options: TagInvalidationOptions): Promise<TagInvalidationReport>
  invalidatePattern(pattern: string): Promise<PatternInvalidationReport>
}

/** What running a cascade needs from the kit. */
export interface CascadeRuntime {
  readonly cache: CascadeCache
  readonly namespace: Namespace
  readonly events: EventSink<CascadeEvents>
  readonly rebuild: (target: BuildTarget) => Promise<BuildReport>
}

/**
 * Runs the cascade `name` of `cascades` with `params`.
 *
 * @throws {ValidationError} for an unknown name or a cascade returning something else than targets.
 * Deletes and tag stamps the driver could not take wait in the outbox (`report.keys.queued`,
 * `report.tags.queued`) instead of failing the cascade: the caller's database write already
 * happened, and they are sent again when the driver answers.
 *
 * @throws {InvalidationError} when a pattern or a rebuild failed (the others still ran; the error carries the partial report).
 */
export async function runCascade(runtime: CascadeRuntime, cascades: CascadeMap, name: string, params: unknown): Promise<CascadeReport> {
  const startedAt = Date.now()
  const cascade = typeof name === 'string' && Object.hasOwn(cascades, name) ? cascades[name] : undefined
  if (typeof cascade !== 'function')
    throw new ValidationError(`no cascade named ${describeValue(name)} (declare it in createCachekit({ cascades }))`)
  const targets = checkTargets(await (cascade as Cascade<unknown>)(params), name)
  const { cache } = runtime
  const keys = targets.keys ?? []
  const names = [...new Set(keys.map((key) => cache.keyOf(key)))]
  const patterns = [...new Set(targets.patterns ?? [])]
  const tags = targets.tags ?? []
  // Everything is checked before anything runs: bad input fails whole, as a ValidationError.
  if (tags.length > 0) resolveTagInvalidation(tags, { mode: targets.tagMode ?? 'delete' })
  for (const pattern of patterns) qualifyPattern(runtime.namespace, pattern)
  for (const target of targets.rebuild ?? []) {
    if (typeof target !== 'object' || target === null || typeof target.definition !== 'object') {
      throw new ValidationError(`cascade ${JSON.stringify(name)}: rebuild takes builder.for(params) targets`)
    }
  }
  const errors: unknown[] = []
  const settle = <T>(promise: Promise<T>): Promise<T | undefined> =>
    promise.catch((error: unknown) => {
      errors.push(error)
      return undefined
    })
  const [deleted, tagReport, patternReports] = await Promise.all([
    keys.length === 0 ? { deleted: 0, queued: false } : settle(cache.deleteReporting(keys)),
    tags.length === 0 ? undefined : settle(cache.invalidateTags(tags, { mode: targets.tagMode ?? 'delete' })),
    Promise.all(patterns.map((pattern) => settle(cache.invalidatePattern(pattern)))),
  ])
  // After the deletes, so a rebuilt output is never deleted by its own cascade.
  const rebuilt = await Promise.all((targets.rebuild ?? []).map((target) => settle(runtime.rebuild(target))))
  const report: CascadeReport = {
    cascade: name,
    keys: { names, deleted: deleted?.deleted ?? 0, queued: deleted?.queued ?? false },
    tags: tagReport,
    patterns: patternReports.filter((r): r is PatternInvalidationReport => r !== undefined),
    rebuilt: rebuilt.filter((r): r is BuildReport => r !== undefined),
    durationMs: Date.now() - startedAt,
  }
  if (errors.length > 0) {
    throw new InvalidationError(name, `${errors.length} part(s) failed; the rest was done`, { cause: errors[0], errors, report })
  }
  runtime.events.emit('invalidate', { kind: 'cascade', cascade: name, report })
  return report
}

function checkTargets(targets: unknown, name: string): CascadeTargets {
  if (typeof targets !== 'object' || targets === null)
    throw new ValidationError(`cascade ${JSON.stringify(name)} must return { keys?, tags?, patterns?, rebuild? }`)
  for (const field of ['keys', 'tags', 'patterns', 'rebuild'] as const) {
    const value = (targets as Record<string, unknown>)[field]
    if (value !== undefined && !Array.isArray(value))
      throw new ValidationError(`cascade ${JSON.stringify(name)}: ${field} must be an array`)
  }
  for (const field of Object.keys(targets)) {
    if (!['keys', 'tags', 'patterns', 'rebuild', 'tagMode'].includes(field))
      throw new ValidationError(`cascade ${JSON.stringify(name)}: unknown field ${JSON.stringify(field)}`)
  }
  return targets as CascadeTargets
}
