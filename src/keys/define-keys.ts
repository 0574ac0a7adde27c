/**
 * `defineKeys`: one declaration that names every cache key of an app, with its TTL,
 * grace, schema, tags, priority and hash tag. Checked completely at definition time.
 */
import { parseDuration, type Duration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'
import { describeFamily, type KeyDescription } from './describe.js'
import { createKeyFamily, type AnyKeyParams, type KeyFamily, type KeyFamilySpec, type KeyPriority } from './key-family.js'
import { findOverlap } from './overlap.js'
import { isStandardSchema, type InferSchemaOutput, type StandardSchemaV1 } from './standard-schema.js'
import { isTag } from './tag.js'
import { compileTemplate, type KeyParams, type ParamNames } from './template.js'
import { isTyped, type Typed } from './typed.js'

/** One key family in {@link defineKeys}. */
export interface KeyDefinition<Template extends string = string> {
  /**
   * The key, relative to the kit's prefix: literal text and `{name}` parameters, at most
   * one parameter per `:` segment. Values are escaped (see docs/keys.md).
   * @example 'user:{id}', 'videos:list:{page}:{sort}'
   */
  template: Template
  /**
   * How long an entry stays fresh: milliseconds or `'30s'`, `'5m'`, `'1h'`, `'7d'`.
   * @example '1h'
   */
  ttl: Duration
  /**
   * How long past `ttl` a stale entry may still be served while one caller refreshes it
   * (stale-while-revalidate). The entry physically expires after `ttl + grace`.
   * @default 0
   */
  grace?: Duration
  /**
   * A Standard Schema (zod, valibot, arktype, ...) that types the value and validates
   * it on read; a stored value that fails it is treated as a miss.
   */
  schema?: StandardSchemaV1
  /**
   * The value type without a schema: `value: typed<User>()`. Not checked at runtime.
   * Give `schema` or `value`, not both.
   */
  value?: Typed<unknown>
  /**
   * Tags for group invalidation: a list shared by every key of the family, or a
   * function of the key's parameters (called with the raw, unescaped values).
   * @example ({ id }) => [`user:${id}`]
   */
  tags?: readonly string[] | ((params: KeyParams<Template>) => readonly string[])
  /**
   * How hard the memory guard should try to keep this family's entries.
   * @default 'normal'
   */
  priority?: KeyPriority
  /**
   * Parameters whose values form the key's cluster hash tag: `hashTag: 'id'` turns
   * `user:{id}:profile` into `user:{42}:profile`. Every key with the same tag, in any
   * family, lands in the same cluster slot. With several parameters the tag spans from
   * the first to the last of them, text between included.
   * @default no hash tag
   */
  hashTag?: ParamNames<Template> | readonly ParamNames<Template>[]
}

/** The keys object {@link defineKeys} returns: one {@link KeyFamily} per definition, and `describe()`. */
export type Keys<Templates extends Record<string, string>, Definitions> = {
  readonly [Family in keyof Templates]: KeyFamily<Templates[Family], DefinitionValue<Definitions[Family & keyof Definitions]>>
} & KeysMethods

/** Methods of every keys object. Their names cannot be family names. */
export interface KeysMethods {
  /** The TTL table: one plain row per family, in definition order. */
  describe(): KeyDescription[]
}

/** The value type a definition declares: the schema's output, `typed<V>()`'s `V`, or `unknown`. */
export type DefinitionValue<Definition> = Definition extends { readonly schema: infer Schema extends StandardSchemaV1 }
  ? InferSchemaOutput<Schema>
  : Definition extends { readonly value: Typed<infer Value> }
    ? Value
    : unknown

/** Family names taken by {@link KeysMethods}. */
type ReservedFamily = keyof KeysMethods

/** Flags misspelt options and reserved family names at compile time. */
type Strict<Definitions> = {
  [Family in keyof Definitions]: Family extends ReservedFamily
    ? never
    : { [Option in Exclude<keyof Definitions[Family], keyof KeyDefinition>]: never }
}

const OPTIONS = new Set(['template', 'ttl', 'grace', 'schema', 'value', 'tags', 'priority', 'hashTag'])
const PRIORITIES = new Set<unknown>(['low', 'normal', 'high'])
const RESERVED = new Set<string>(['describe'] satisfies ReservedFamily[])
// The drivers' TTL bound (drivers/validate.ts); core may not import drivers.
const MAX_TTL_MS = 1e15
const NO_TAGS: readonly string[] = Object.freeze([])

/**
 * Defines the key families of an app. Everything is checked here, once: templates,
 * durations, schemas, tags, hash tags, and that no two families can produce the same key.
 * Parameters and value types are inferred: a missing or unknown parameter is a compile
 * error, and the value type flows from `schema` (or `typed<V>()`) into the cache.
 *
 * @throws {ValidationError} for any invalid definition.
 * @example
 * const keys = defineKeys({
 *   user: { template: 'user:{id}', ttl: '1h', grace: '10m', schema: User, tags: ({ id }) => [`user:${id}`] },
 *   videoList: { template: 'videos:list:{page}:{sort}', ttl: '5m', tags: ['videos'] },
 * })
 * keys.user({ id: 42 }).key // 'user:42'
 */
export function defineKeys<const Templates extends Record<string, string>, const Definitions>(
  definitions: Definitions & { [Family in keyof Templates]: KeyDefinition<Templates[Family]> } & Strict<Definitions>,
): Keys<Templates, Definitions> {
  if (typeof definitions !== 'object' || definitions === null || Array.isArray(definitions)) {
    throw new ValidationError('defineKeys takes an object of key definitions')
  }
  const specs = Object.entries(definitions as Record<string, unknown>).map(([family, definition]) => resolveFamily(family, definition))
  assertNoOverlap(specs)
  const keys: Record<string, KeyFamily> = {}
  for (const spec of specs) keys[spec.family] = createKeyFamily(spec)
  // Not enumerable, so Object.keys(keys) lists exactly the families.
  Object.defineProperty(keys, 'describe', { value: () => specs.map(describeFamily), enumerable: false })
  return Object.freeze(keys) as unknown as Keys<Templates, Definitions>
}

function resolveFamily(family: string, definition: unknown): KeyFamilySpec {
  const at = `keys.${family}`
  if (RESERVED.has(family)) throw new ValidationError(`${at}: "${family}" is reserved for keys.${family}(); choose another family name`)
  if (typeof definition !== 'object' || definition === null)
    throw new ValidationError(`${at} must be an object with at least template and ttl`)
  for (const option of Object.keys(definition)) {
    if (!OPTIONS.has(option)) throw new ValidationError(`${at}: unknown option ${JSON.stringify(option)}`)
  }
  const { template, ttl, grace, schema, value, tags, priority, hashTag } = definition as KeyDefinition
  const hashTagNames = resolveHashTag(hashTag, at)
  const ttlMs = parseDuration(ttl, `${at}.ttl`)
  const graceMs = grace === undefined ? 0 : parseDuration(grace, `${at}.grace`)
  if (ttlMs === 0) throw new ValidationError(`${at}.ttl must be positive`)
  if (ttlMs + graceMs > MAX_TTL_MS) throw new ValidationError(`${at}: ttl + grace must be at most ${MAX_TTL_MS} ms`)
  if (schema !== undefined && !isStandardSchema(schema)) {
    throw new ValidationError(`${at}.schema must implement Standard Schema v1 (zod, valibot, arktype, ...)`)
  }
  if (value !== undefined && !isTyped(value)) throw new ValidationError(`${at}.value must be typed<YourType>()`)
  if (schema !== undefined && value !== undefined) throw new ValidationError(`${at}: give schema or value, not both`)
  if (priority !== undefined && !PRIORITIES.has(priority)) throw new ValidationError(`${at}.priority must be 'low', 'normal' or 'high'`)
  return {
    family,
    compiled: compileTemplate(template, hashTagNames, `${at}.template`),
    hashTag: hashTagNames,
    ttlMs,
    graceMs,
    priority: priority ?? 'normal',
    schema,
    tags: resolveTags(tags as KeyFamilySpec['tags'] | undefined, at),
  }
}

function resolveHashTag(hashTag: unknown, at: string): readonly string[] {
  if (hashTag === undefined) return []
  const names = typeof hashTag === 'string' ? [hashTag] : hashTag
  if (!Array.isArray(names) || names.length === 0 || !names.every((name) => typeof name === 'string')) {
    throw new ValidationError(`${at}.hashTag must be a parameter name or a non-empty list of them`)
  }
  return Object.freeze([...names])
}

function resolveTags(tags: unknown, at: string): KeyFamilySpec['tags'] {
  if (tags === undefined) return NO_TAGS
  if (typeof tags === 'function') return tags as (params: AnyKeyParams) => readonly string[]
  if (!Array.isArray(tags) || !tags.every(isTag)) {
    throw new ValidationError(`${at}.tags must be a list of non-empty strings (with no lone UTF-16 surrogate) or a function returning one`)
  }
  return Object.freeze([...tags])
}

function assertNoOverlap(specs: readonly KeyFamilySpec[]): void {
  for (let i = 0; i < specs.length; i++) {
    for (let j = i + 1; j < specs.length; j++) {
      const a = specs[i] as KeyFamilySpec
      const b = specs[j] as KeyFamilySpec
      const example = findOverlap(a.compiled, b.compiled)
      if (example !== null) {
        throw new ValidationError(
          `keys.${a.family} (${a.compiled.template}) and keys.${b.family} (${b.compiled.template}) can produce the same key, e.g. ${JSON.stringify(example)}; give one of them a distinct literal segment`,
        )
      }
    }
  }
}
