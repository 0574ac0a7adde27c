/** Types of cache builders: definitions, items, reports, progress. */
import type { Duration } from '../core/duration.js'
import type { KeyFamily } from '../keys/key-family.js'
import type { KeyParams } from '../keys/template.js'

/**
 * What a builder writes under each key:
 * - `'value'`: one cache entry per key (read with `kit.cache.get(keys.x(params))` or the builder's `get`);
 * - `'sorted-set'`: an index of members ordered by score (videos per category by date), read by page;
 * - `'set'`: an unordered lookup (categories of a video).
 */
export type BuilderKind = 'value' | 'sorted-set' | 'set'

/** One item a `'value'` builder's `load` yields: the entry under `params`. */
export interface ValueItem<Params, Value> {
  readonly params: Params
  readonly value: Value
}

/** One item a `'sorted-set'` builder's `load` yields: `member` with `score` in the index under `params`. */
export interface SortedSetItem<Params> {
  readonly params: Params
  readonly member: string
  readonly score: number
}

/** One item a `'set'` builder's `load` yields: `member` in the set under `params`. */
export interface SetItem<Params> {
  readonly params: Params
  readonly member: string
}

/** The item type of a builder kind. */
export type BuilderItem<Kind extends BuilderKind, Params, Value> = Kind extends 'sorted-set'
  ? SortedSetItem<Params>
  : Kind extends 'set'
    ? SetItem<Params>
    : ValueItem<Params, Value>

/** What `load` may return: items, all at once or streamed. */
export type ItemSource<Item> = Iterable<Item> | AsyncIterable<Item> | Promise<Iterable<Item> | AsyncIterable<Item>>

/** What `load` receives. */
export interface LoadContext<Params> {
  /**
   * `undefined` for `buildAll()`; the parameters of the one key for `buildOne(params)`.
   * Query narrowly when it is set: items for other keys are ignored.
   */
  readonly only: Params | undefined
  /** Aborted when the build is cancelled (kit closed, or the caller's signal). */
  readonly signal: AbortSignal
}

/** What {@link defineBuilder} takes. */
export interface BuilderOptions<Template extends string, Value, Kind extends BuilderKind> {
  /**
   * The key family each output lives under, from `defineKeys`. Its TTL applies unless
   * `ttl` is given; for indexes on a Redis Cluster, give it a `hashTag` so the
   * temporary key of a large rebuild lands in the same slot.
   * @example keys.categoryVideos // 'video:category:index:{categoryId}:videos'
   */
  key: KeyFamily<Template, Value>
  /**
   * What is written under each key.
   * @default 'value'
   */
  kind?: Kind
  /**
   * Reads the source (your database) and yields one item per entry (`'value'`) or per
   * member (indexes). Items for one key are gathered before that key is written, so
   * yield them in any order. Return an array, an iterable or an async iterable (stream a
   * large table in pages with an async generator).
   * @example
   * async function* load({ only }) {
   *   for (const video of await db.videos(only && { categoryId: only.categoryId }))
   *     for (const categoryId of video.categoryIds)
   *       yield { params: { categoryId }, member: video.id, score: video.addedAt.getTime() }
   * }
   */
  load: (context: LoadContext<KeyParams<Template>>) => ItemSource<BuilderItem<Kind, KeyParams<Template>, Value>>
  /**
   * How long what the builder writes lives. Keep it longer than `every`, so the next
   * refresh lands before the outputs expire.
   * @default the key family's ttl
   */
  ttl?: Duration
  /**
   * Rebuild everything this often, on one instance at a time (a distributed lock
   * decides which). Instances skip a run when another finished one within the interval.
   * @default no schedule
   * @example '2h'
   */
  every?: Duration
  /**
   * Build everything when the kit starts, unless a build is already recorded (a warmer:
   * a builder over your hot keys pre-loads them).
   * @default false
   */
  warm?: boolean
  /**
   * After `buildAll`, delete the family's keys the build did not write (a category that
   * lost its last video): SCAN over the family's pattern.
   * @default true
   */
  prune?: boolean
  /**
   * At most this many members (or entries) per write. An index larger than this is
   * written in chunks to a temporary key, then swapped in atomically.
   * @default 1000
   */
  chunkSize?: number
  /**
   * At most this many writes in flight (pipelined) at once.
   * @default 32
   */
  concurrency?: number
}

/** The parameters of one builder output, for cascades: `videosByCategory.for({ categoryId })`. */
export interface BuildTarget {
  readonly definition: BuilderDefinition<string, unknown, BuilderKind>
  readonly params: Readonly<Record<string, unknown>>
}

/** A checked builder definition, from {@link defineBuilder}; register it in `createCachekit({ builders })`. */
export interface BuilderDefinition<Template extends string, Value, Kind extends BuilderKind> {
  readonly kind: Kind
  readonly key: KeyFamily<Template, Value>
  readonly load: BuilderOptions<Template, Value, Kind>['load']
  /** The resolved TTL (ms). */
  readonly ttlMs: number
  /** The schedule (ms), or undefined. */
  readonly everyMs: number | undefined
  readonly warm: boolean
  readonly prune: boolean
  readonly chunkSize: number
  readonly concurrency: number
  /**
   * Names one output of this builder, for a cascade's `rebuild` list.
   * @example cascades: { 'video.changed': ({ newCategoryIds }) => ({ rebuild: newCategoryIds.map((categoryId) => videosByCategory.for({ categoryId })) }) }
   */
  for(params: KeyParams<Template>): BuildTarget
}

/** Any builder definition. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBuilderDefinition = BuilderDefinition<any, any, BuilderKind>

/** Options of `buildAll` and `buildOne`. */
export interface BuildOptions {
  /** Cancels the build between writes; the call rejects with the signal's reason. Outputs already swapped in stay. */
  signal?: AbortSignal
  /** Called as the build advances. */
  onProgress?: (progress: BuildProgress) => void
}

/** How far a build has come. */
export interface BuildProgress {
  readonly builder: string
  /** `load`: items are being read; `write`: outputs are being written; `prune`: leftovers are being deleted. */
  readonly phase: 'load' | 'write' | 'prune'
  /** Items read so far. */
  readonly items: number
  /** Outputs (keys) to write in total (0 while loading). */
  readonly keys: number
  /** Outputs written so far. */
  readonly written: number
}

/** The events of cache builders (part of the kit's events). */
export interface BuilderEvents {
  /** A cache builder finished a build. */
  build: BuildReport
  /** A cache builder advanced (loading, writing, pruning). */
  'build-progress': BuildProgress
  /** A scheduled or warm-up build failed (a build you call rejects instead). */
  'build-error': { builder: string; reason: 'schedule' | 'warm'; error: unknown }
}

/** What a build did. */
export interface BuildReport {
  readonly builder: string
  readonly scope: 'all' | 'one'
  /** Items `load` yielded (for `buildOne`, those of the one key). */
  readonly items: number
  /** Outputs written (a `buildOne` of a key without items deletes it and counts 1). */
  readonly keys: number
  /** Keys deleted by pruning. */
  readonly pruned: number
  readonly durationMs: number
  /** Set when nothing was built: the kill switch is on, or another instance holds the build lock or built recently. */
  readonly skipped?: 'disabled' | 'locked' | 'recent'
}

/** The last recorded complete build of a builder, as `status()` returns it. */
export interface BuildStatus {
  /** When it finished (epoch ms). */
  readonly builtAt: number
  readonly keys: number
  readonly items: number
  readonly durationMs: number
}
