/**
 * A builder bound to a kit: `buildAll()` and `buildOne(params)` load from the source,
 * group items per output key and write every output so readers see the previous
 * version or the new one, never a mix (see collection-writer.ts for indexes; values are
 * single SETs).
 */
import { BuildError, CachekitError, ValidationError } from '../core/errors/index.js'
import type { EventSink } from '../core/events.js'
import type { Duration } from '../core/duration.js'
import type { CacheService } from '../cache/cache-service.js'
import type { Driver } from '../drivers/driver.js'
import { escapeParam } from '../keys/escape.js'
import type { CacheKey } from '../keys/key-family.js'
import type { Namespace } from '../keys/namespace.js'
import { hasReservedSegment } from '../keys/reserved.js'
import type { KeyParams } from '../keys/template.js'
import { writeCollections, type CollectionDocument } from './collection-writer.js'
import { runPool } from './pool.js'
import type { BuilderDefinition, BuilderEvents, BuilderKind, BuildOptions, BuildProgress, BuildReport, BuildStatus } from './types.js'

/** What scheduled and warm-up builds need from a lock service (`kit.locks` fits). */
export interface BuildLocks {
  withLock<T>(resource: string, fn: (lock: { readonly signal: AbortSignal }) => Promise<T> | T, options?: { ttl?: Duration }): Promise<T>
}

/** What a bound builder needs from its kit. */
export interface BuilderRuntime {
  readonly driver: Driver
  readonly namespace: Namespace
  readonly cache: CacheService
  readonly events: EventSink<BuilderEvents>
  readonly enabled: boolean
  readonly locks: BuildLocks
  /** Aborted when the kit closes: running builds stop between writes. */
  readonly closing: AbortSignal
}

/** Why a scheduled or warm-up build runs. */
export type GuardedReason = 'schedule' | 'warm'

/** One output key and what the build gathered for it. */
interface Output {
  readonly key: string
  readonly cacheKey: CacheKey
  /** `'value'` builders: whether an item gave it a value (a `buildOne` may find none). */
  hasValue: boolean
  value: unknown
  /** Index builders: the members gathered (empty: the output is deleted). */
  members: Map<string, number> | Set<string> | undefined
}

// How long the build lock lives between extensions (kit.locks extends it every third).
const LOCK_TTL_MS = 60_000
// Progress during loading is reported every this many items.
const LOAD_PROGRESS_EVERY = 10_000

export class Builder<Template extends string, Value, Kind extends BuilderKind> {
  private running: Promise<BuildReport> | undefined

  /** @internal Created by `createCachekit({ builders })`. */
  constructor(
    /** The builder's name in `createCachekit({ builders })`. */
    readonly name: string,
    readonly definition: BuilderDefinition<Template, Value, Kind>,
    protected readonly runtime: BuilderRuntime,
  ) {}

  /**
   * Rebuilds every output from `load()`. Each output is replaced atomically; with
   * `prune` (the default), outputs the build did not produce are deleted afterwards.
   * A call while a full build of this builder runs in this process shares it.
   * Rejects with `load`'s error, the driver's error or a {@link BuildError}; outputs
   * already written stay.
   *
   * @example
   * const report = await kit.builders.videosByCategory.buildAll({ onProgress: console.log })
   */
  buildAll(options: BuildOptions = {}): Promise<BuildReport> {
    this.running ??= this.build(undefined, options).finally(() => {
      this.running = undefined
    })
    return this.running
  }

  /**
   * Rebuilds the one output under `params` from `load({ only: params })`. Without items
   * for it, the output is deleted.
   *
   * @example
   * await kit.builders.videosByCategory.buildOne({ categoryId })
   */
  buildOne(params: KeyParams<Template>, options: BuildOptions = {}): Promise<BuildReport> {
    try {
      this.output(params)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.build(params, options)
  }

  /** The last complete `buildAll` recorded by any instance, or `null` (never built, or expired with the outputs). */
  async status(): Promise<BuildStatus | null> {
    const text = await this.runtime.driver.get(this.markerKey())
    if (text === null) return null
    try {
      const parsed = JSON.parse(text) as Partial<BuildStatus>
      const fields = [parsed.builtAt, parsed.keys, parsed.items, parsed.durationMs]
      return fields.every((field) => typeof field === 'number') ? (parsed as BuildStatus) : null
    } catch {
      return null
    }
  }

  /** The full driver key of the output under `params`: what you would see in `redis-cli`. */
  keyOf(params: KeyParams<Template>): string {
    return this.output(params).key
  }

  /**
   * @internal A scheduled or warm-up build: skipped when the kill switch is on, when a
   * build was recorded recently, or when another instance holds the build lock.
   */
  async buildGuarded(reason: GuardedReason): Promise<BuildReport> {
    if (!this.runtime.enabled) return this.skipped('disabled')
    const recentMs = reason === 'warm' ? this.definition.ttlMs : Math.floor((this.definition.everyMs ?? 0) * 0.9)
    if (await this.builtWithin(recentMs)) return this.skipped('recent')
    try {
      return await this.runtime.locks.withLock(
        `cachekit:builder:${this.name}`,
        async (lock) => ((await this.builtWithin(recentMs)) ? this.skipped('recent') : this.buildAll({ signal: lock.signal })),
        { ttl: LOCK_TTL_MS },
      )
    } catch (error) {
      if (CachekitError.is(error, 'LOCK_NOT_ACQUIRED')) return this.skipped('locked')
      throw error
    }
  }

  private async build(only: KeyParams<Template> | undefined, options: BuildOptions): Promise<BuildReport> {
    const startedAt = Date.now()
    if (!this.runtime.enabled) return this.skipped('disabled', only === undefined ? 'all' : 'one')
    const signal = options.signal ? AbortSignal.any([options.signal, this.runtime.closing]) : this.runtime.closing
    signal.throwIfAborted()
    const progress = (phase: BuildProgress['phase'], items: number, keys: number, written: number) => {
      const update: BuildProgress = { builder: this.name, phase, items, keys, written }
      options.onProgress?.(update)
      this.runtime.events.emit('build-progress', update)
    }
    const onlyKey = only === undefined ? undefined : this.output(only).key
    const { outputs, items } = await this.load(only, onlyKey, signal, progress)
    if (onlyKey !== undefined && !outputs.has(onlyKey)) outputs.set(onlyKey, this.output(only as KeyParams<Template>))
    let written = 0
    progress('write', items, outputs.size, 0)
    await this.write([...outputs.values()], signal, (count) => {
      written += count
      progress('write', items, outputs.size, written)
    })
    const pruned =
      only === undefined && this.definition.prune
        ? await this.prune(outputs, signal, (count) => progress('prune', items, outputs.size, written + count))
        : 0
    const report: BuildReport = {
      builder: this.name,
      scope: only === undefined ? 'all' : 'one',
      items,
      keys: outputs.size,
      pruned,
      durationMs: Date.now() - startedAt,
    }
    if (only === undefined) await this.recordBuild(report)
    this.runtime.events.emit('build', report)
    return report
  }

  /** Reads every item and gathers them per output key. */
  private async load(
    only: KeyParams<Template> | undefined,
    onlyKey: string | undefined,
    signal: AbortSignal,
    progress: (phase: 'load', items: number, keys: number, written: number) => void,
  ): Promise<{ outputs: Map<string, Output>; items: number }> {
    const outputs = new Map<string, Output>()
    // Many items share an output (every video of a category): find it by the raw parameter
    // values instead of building and escaping its key again for each item.
    const byParams = new Map<string, Output | null>()
    const names = this.definition.key.paramNames as readonly string[]
    let items = 0
    const take = (item: unknown) => {
      const params = itemParams(item, this.name) as Record<string, unknown>
      const id = names.length === 1 ? String(params[names[0] as string]) : names.map((name) => String(params[name])).join('\u0000')
      let output = byParams.get(id)
      if (output === undefined) {
        const fresh = this.output(params as KeyParams<Template>)
        output = onlyKey !== undefined && fresh.key !== onlyKey ? null : (outputs.get(fresh.key) ?? fresh)
        byParams.set(id, output)
        if (output !== null) outputs.set(output.key, output)
      }
      if (output === null) return
      this.addItem(output, item as Record<string, unknown>)
      if (++items % LOAD_PROGRESS_EVERY === 0) {
        signal.throwIfAborted()
        progress('load', items, 0, 0)
      }
    }
    progress('load', 0, 0, 0)
    const source = await this.definition.load({ only, signal })
    // A synchronous source is read without an await per item.
    if (typeof (source as Iterable<unknown>)[Symbol.iterator] === 'function') for (const item of source as Iterable<unknown>) take(item)
    else for await (const item of source as AsyncIterable<unknown>) take(item)
    signal.throwIfAborted()
    return { outputs, items }
  }

  private addItem(output: Output, item: Record<string, unknown>): void {
    const kind = this.definition.kind
    if (kind === 'value') {
      output.value = item.value
      output.hasValue = true
      return
    }
    const member = item.member
    if (typeof member !== 'string')
      throw new ValidationError(`builder ${JSON.stringify(this.name)}: an item's member must be a string, got ${typeof member}`)
    if (kind === 'set') {
      ;((output.members ??= new Set()) as Set<string>).add(member)
      return
    }
    const score = item.score
    if (typeof score !== 'number' || !Number.isFinite(score))
      throw new ValidationError(
        `builder ${JSON.stringify(this.name)}: the score of ${JSON.stringify(member)} must be a finite number, got ${String(score)}`,
      )
    ;((output.members ??= new Map()) as Map<string, number>).set(member, score)
  }

  private async write(outputs: Output[], signal: AbortSignal, onWritten: (count: number) => void): Promise<void> {
    const { kind, chunkSize, concurrency, ttlMs } = this.definition
    if (kind !== 'value') {
      const documents: CollectionDocument[] = outputs.map((output) => ({ key: output.key, members: output.members ?? this.emptyMembers() }))
      await writeCollections(this.runtime.driver, documents, { builder: this.name, kind, ttlMs, chunkSize, concurrency, signal, onWritten })
      return
    }
    const cache = this.runtime.cache
    const present = outputs.filter((output) => output.hasValue)
    const absent = outputs.filter((output) => !output.hasValue)
    const tasks: (() => Promise<void>)[] = []
    for (let at = 0; at < present.length; at += chunkSize) {
      const chunk = present.slice(at, at + chunkSize)
      tasks.push(async () => {
        const stored = await cache.setMany(
          chunk.map((output) => ({ key: output.cacheKey, value: output.value, options: { ttl: ttlMs } })),
          { l1: false },
        )
        if (!stored) throw new BuildError(this.name, 'some entries could not be written (see the degraded events)')
        onWritten(chunk.length)
      })
    }
    for (const output of absent) {
      tasks.push(async () => {
        await cache.delete(output.cacheKey, { onError: 'throw' })
        onWritten(1)
      })
    }
    await runPool(tasks, concurrency, signal)
  }

  /** Deletes the family's keys this build did not write. Skipped without a namespace prefix: the family's pattern could match another app's keys. */
  private async prune(outputs: Map<string, Output>, signal: AbortSignal, onPruned: (count: number) => void): Promise<number> {
    const { namespace, driver, cache } = this.runtime
    if (namespace.prefix === '') return 0
    const family = this.definition.key
    let pruned = 0
    for await (const batch of driver.scan(namespace.pattern(family.pattern()), { count: this.definition.chunkSize, signal })) {
      const leftovers: string[] = []
      for (const key of batch) {
        const relative = namespace.strip(key)
        // A `*` in the pattern also matches ':', so other families may match: parse decides;
        // a nested kit's feature keys (`prod:__cnt:...`) are never this family's.
        if (relative !== null && !hasReservedSegment(relative) && !outputs.has(key) && family.parse(relative) !== null)
          leftovers.push(relative)
      }
      if (leftovers.length > 0) {
        pruned += await cache.delete(leftovers, { onError: 'throw' })
        onPruned(pruned)
      }
    }
    return pruned
  }

  private async recordBuild(report: BuildReport): Promise<void> {
    const status: BuildStatus = { builtAt: Date.now(), keys: report.keys, items: report.items, durationMs: report.durationMs }
    await this.runtime.driver.set(this.markerKey(), JSON.stringify(status), { ttlMs: this.definition.ttlMs })
  }

  private async builtWithin(ms: number): Promise<boolean> {
    const status = await this.status()
    return status !== null && Date.now() - status.builtAt < ms
  }

  private markerKey(): string {
    return this.runtime.namespace.key(`__builder:${escapeParam(this.name, 'builder name')}`)
  }

  private output(params: KeyParams<Template>): Output {
    const cacheKey = (this.definition.key as unknown as (params: KeyParams<Template>) => CacheKey)(params)
    return { key: this.runtime.namespace.key(cacheKey.key), cacheKey, hasValue: false, value: undefined, members: undefined }
  }

  private emptyMembers(): Map<string, number> | Set<string> {
    return this.definition.kind === 'sorted-set' ? new Map() : new Set()
  }

  private skipped(reason: NonNullable<BuildReport['skipped']>, scope: BuildReport['scope'] = 'all'): BuildReport {
    return { builder: this.name, scope, items: 0, keys: 0, pruned: 0, durationMs: 0, skipped: reason }
  }
}

function itemParams(item: unknown, builder: string): never {
  if (
    typeof item !== 'object' ||
    item === null ||
    typeof (item as { params?: unknown }).params !== 'object' ||
    (item as { params?: unknown }).params === null
  ) {
    throw new ValidationError(
      `builder ${JSON.stringify(builder)}: load must yield objects with params, got ${item === null ? 'null' : typeof item}`,
    )
  }
  return (item as { params: never }).params
}
