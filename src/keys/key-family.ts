/**
 * A key family: one entry of `defineKeys`, callable to build keys (`keys.user({ id: 42 })`),
 * with its TTL, schema and tags attached, plus `pattern` and `parse` for invalidation.
 */
import { ValidationError } from '../core/errors/index.js'
import type { ParamValue } from './escape.js'
import { compileKeyParser } from './key-parser.js'
import { escapeInSegment, segmentContexts, type SegmentContext } from './render-key.js'
import { buildPattern } from './pattern.js'
import type { StandardSchemaV1 } from './standard-schema.js'
import { isTag } from './tag.js'
import type { CompiledTemplate, KeyParams, ParamNames } from './template.js'

/** How hard the memory guard should try to keep a family's entries. */
export type KeyPriority = 'low' | 'normal' | 'high'

/** Any parameters object. */
export type AnyKeyParams = Readonly<Record<string, ParamValue>>

/**
 * One cache key, built by a key family: everything the CacheService needs to read and
 * write the entry. `Value` is the type stored under the key (from the family's schema or
 * `typed<V>()`), so `get(key)` is typed without a generic.
 */
export interface CacheKey<Value = unknown, Params extends AnyKeyParams = AnyKeyParams> {
  /** The family's name in `defineKeys`: `'user'`. Stats and events group by it. */
  readonly family: string
  /** The key relative to the namespace: `'user:42'`. The kit prepends `prefix:env:`. */
  readonly key: string
  /** The parameters the key was built from (the caller's object, not a copy). */
  readonly params: Params
  /** Logical TTL: the entry is fresh this long after it is written. */
  readonly ttlMs: number
  /** How long past `ttlMs` a stale entry may still be served while it refreshes. */
  readonly graceMs: number
  /** The entry's tags, resolved for these parameters. */
  readonly tags: readonly string[]
  /**
   * Validates stored values on read; `undefined` when the family has none (its type may
   * still be declared with `typed<V>()`).
   */
  readonly schema: StandardSchemaV1<unknown, Value> | undefined
  /** The family's priority for the memory guard. */
  readonly priority: KeyPriority
}

/** What a family knows besides building keys. */
export interface KeyFamilyInfo<Template extends string = string, Value = unknown> {
  /** The family's name in `defineKeys`. */
  readonly family: string
  readonly template: Template
  /** Parameter names in template order. */
  readonly paramNames: readonly ParamNames<Template>[]
  readonly ttlMs: number
  readonly graceMs: number
  readonly priority: KeyPriority
  readonly schema: StandardSchemaV1<unknown, Value> | undefined
  /** Parameters whose values form the cluster hash tag; empty when the family has none. */
  readonly hashTag: readonly ParamNames<Template>[]
  /**
   * A SCAN MATCH pattern (relative to the namespace) for this family's keys: given
   * parameters match literally (escaped, so `'*'` matches only a literal `*`), missing
   * ones become `*`. A `*` also matches `:`, so filter SCAN results with {@link parse}
   * when other families share the leading literal text.
   * @example keys.videoList.pattern({ sort: 'new' }) // 'videos:list:*:new'
   */
  pattern(params?: Partial<KeyParams<Template>>): string
  /**
   * The decoded parameters of `key` (relative to the namespace), or `null` when this
   * family cannot have produced it.
   * @example keys.user.parse('user:a%3Ab') // { id: 'a:b' }
   */
  parse(key: string): { [Name in ParamNames<Template>]: string } | null
}

/** Builds the keys of a family; a template without parameters takes no argument. */
export type KeyBuilder<Template extends string, Value> = [ParamNames<Template>] extends [never]
  ? string extends Template
    ? (params: KeyParams<Template>) => CacheKey<Value, KeyParams<Template>>
    : () => CacheKey<Value, KeyParams<Template>>
  : (params: KeyParams<Template>) => CacheKey<Value, KeyParams<Template>>

/** A key family: call it to build a key, read its TTL table entry from its properties. */
export type KeyFamily<Template extends string = string, Value = unknown> = KeyBuilder<Template, Value> & KeyFamilyInfo<Template, Value>

/** The value type of a key or key family: `KeyValue<typeof keys.user>`. */
export type KeyValue<K> = K extends { readonly schema: infer Schema }
  ? NonNullable<Schema> extends StandardSchemaV1<unknown, infer Value>
    ? Value
    : unknown
  : never

/** A family, resolved and checked by `defineKeys`. */
export interface KeyFamilySpec {
  readonly family: string
  readonly compiled: CompiledTemplate
  readonly hashTag: readonly string[]
  readonly ttlMs: number
  readonly graceMs: number
  readonly priority: KeyPriority
  readonly schema: StandardSchemaV1 | undefined
  readonly tags: readonly string[] | ((params: AnyKeyParams) => readonly string[])
}

/** Creates the callable family for a checked spec. */
export function createKeyFamily(spec: KeyFamilySpec): KeyFamily {
  const { family, compiled, ttlMs, graceMs, priority, schema, tags } = spec
  const { names, literals } = compiled
  const labels = names.map((name) => `keys.${family}: parameter {${name}}`)
  const known = new Set(names)
  const tagsFor = typeof tags === 'function' ? (params: AnyKeyParams) => checkComputedTags(tags(params), family) : () => tags
  const parse = compileKeyParser(compiled)
  const contexts = segmentContexts(compiled)

  const buildKey = (params: AnyKeyParams): CacheKey => {
    checkParamsObject(params, family, known)
    // Assembled by hand: this runs on every cache call.
    let key = literals[0] as string
    for (let i = 0; i < names.length; i++) {
      const value = params[names[i] as string]
      if (value === undefined) throw new ValidationError(`${labels[i]} is missing`)
      key += escapeInSegment(value, contexts[i] as SegmentContext, labels[i] as string) + (literals[i + 1] as string)
    }
    return { family, key, params, ttlMs, graceMs, tags: tagsFor(params), schema, priority }
  }

  const constant: CacheKey | undefined = names.length === 0 ? Object.freeze(buildKey({})) : undefined
  const build =
    constant === undefined
      ? buildKey
      : (params?: AnyKeyParams) => {
          if (params !== undefined) checkParamsObject(params, family, known)
          return constant
        }

  return Object.assign(build, {
    family,
    template: compiled.template,
    paramNames: Object.freeze([...names]),
    ttlMs,
    graceMs,
    priority,
    schema,
    hashTag: Object.freeze([...spec.hashTag]),
    pattern: (params: Readonly<Record<string, ParamValue | undefined>> = {}) => {
      checkParamsObject(params, family, known)
      return buildPattern(compiled, params, labels, contexts)
    },
    parse,
  }) as unknown as KeyFamily
}

function checkParamsObject(params: unknown, family: string, known: ReadonlySet<string>): void {
  if (typeof params !== 'object' || params === null) {
    throw new ValidationError(`keys.${family}: parameters must be an object, got ${params === null ? 'null' : typeof params}`)
  }
  for (const name in params) {
    if (!known.has(name)) throw new ValidationError(`keys.${family}: unknown parameter ${JSON.stringify(name)}`)
  }
}

/** Checks what a family's `tags(params)` returned for one key. */
function checkComputedTags(tags: unknown, family: string): readonly string[] {
  if (!Array.isArray(tags)) throw new ValidationError(`keys.${family}: tags() must return an array of strings`)
  for (const tag of tags) {
    if (!isTag(tag)) {
      throw new ValidationError(`keys.${family}: tags() returned ${JSON.stringify(tag)}; tags must be non-empty, well-formed strings`)
    }
  }
  return tags as readonly string[]
}
