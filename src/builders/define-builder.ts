/**
 * `defineBuilder`: one declaration per precomputed cache (the plans' CacheBuilder and
 * index builders), checked once. Register definitions in `createCachekit({ builders })`
 * and run them as `kit.builders.<name>.buildAll()` / `.buildOne(params)`.
 */
import { parseDuration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'
import type { KeyParams } from '../keys/template.js'
import type { BuilderDefinition, BuilderKind, BuilderOptions, BuildTarget } from './types.js'

/** Defaults of {@link BuilderOptions}; the bounds keep each Lua call small. */
export const BUILDER_DEFAULTS = Object.freeze({
  chunkSize: 1000,
  maxChunkSize: 2000,
  concurrency: 32,
  maxConcurrency: 1024,
  prune: true,
  warm: false,
})

const KINDS = new Set<unknown>(['value', 'sorted-set', 'set'])
const OPTIONS = new Set(['key', 'kind', 'load', 'ttl', 'every', 'warm', 'prune', 'chunkSize', 'concurrency'])

/**
 * Defines a cache builder: what to load and where to write it.
 *
 * @throws {ValidationError} for a missing key family or load function, an unknown kind
 * or option, a bad duration, or chunk size and concurrency out of bounds.
 * @example
 * const videosByCategory = defineBuilder({
 *   key: keys.categoryVideos,
 *   kind: 'sorted-set',
 *   every: '2h',
 *   async *load({ only }) {
 *     for (const video of await db.publishedVideos(only?.categoryId))
 *       for (const categoryId of video.categoryIds)
 *         yield { params: { categoryId }, member: video.id, score: video.addedAt.getTime() }
 *   },
 * })
 */
export function defineBuilder<const Template extends string, Value, const Kind extends BuilderKind = 'value'>(
  options: BuilderOptions<Template, Value, Kind>,
): BuilderDefinition<Template, Value, Kind> {
  if (typeof options !== 'object' || options === null) throw new ValidationError('defineBuilder takes an options object')
  for (const name of Object.keys(options))
    if (!OPTIONS.has(name)) throw new ValidationError(`defineBuilder: unknown option ${JSON.stringify(name)}`)
  const { key, load } = options
  if (typeof key !== 'function' || typeof key.template !== 'string' || typeof key.parse !== 'function') {
    throw new ValidationError('defineBuilder: key must be a key family from defineKeys (keys.categoryVideos, not keys.categoryVideos(...))')
  }
  if (typeof load !== 'function') throw new ValidationError('defineBuilder: load must be a function')
  const kind = (options.kind ?? 'value') as Kind
  if (!KINDS.has(kind)) throw new ValidationError(`defineBuilder: kind must be 'value', 'sorted-set' or 'set', got ${String(kind)}`)
  const ttlMs = options.ttl === undefined ? key.ttlMs : parseDuration(options.ttl, 'defineBuilder: ttl')
  if (ttlMs <= 0) throw new ValidationError('defineBuilder: ttl must be positive')
  const everyMs = options.every === undefined ? undefined : parseDuration(options.every, 'defineBuilder: every')
  if (everyMs === 0) throw new ValidationError('defineBuilder: every must be positive')
  const chunkSize = integerIn(options.chunkSize ?? BUILDER_DEFAULTS.chunkSize, 1, BUILDER_DEFAULTS.maxChunkSize, 'chunkSize')
  const concurrency = integerIn(options.concurrency ?? BUILDER_DEFAULTS.concurrency, 1, BUILDER_DEFAULTS.maxConcurrency, 'concurrency')
  const definition: BuilderDefinition<Template, Value, Kind> = {
    kind,
    key,
    load,
    ttlMs,
    everyMs,
    warm: flag(options.warm, BUILDER_DEFAULTS.warm, 'warm'),
    prune: flag(options.prune, BUILDER_DEFAULTS.prune, 'prune'),
    chunkSize,
    concurrency,
    for(params: KeyParams<Template>): BuildTarget {
      // Built now, so a bad parameter fails where the cascade names it.
      key(params as never)
      return Object.freeze({
        definition: definition as unknown as BuildTarget['definition'],
        params: params as Readonly<Record<string, unknown>>,
      })
    },
  }
  return Object.freeze(definition)
}

function integerIn(value: unknown, min: number, max: number, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ValidationError(`defineBuilder: ${name} must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}

function flag(value: unknown, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new ValidationError(`defineBuilder: ${name} must be true or false`)
  return value
}
