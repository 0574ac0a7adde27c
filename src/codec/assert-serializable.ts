/**
 * The strictness behind "faithful or loud": walks a value before it is serialized and
 * refuses anything the format would drop or change without a word.
 */
import { ValidationError } from '../core/errors/index.js'

/** What a format can represent faithfully. */
export interface SerializableProfile {
  /** Date (valid), RegExp, URL, Map, Set, BigInt, undefined, NaN/±Infinity/-0, typed arrays, shared and circular references. */
  readonly rich: boolean
  /** Values the format handles by registration (superjson classes, custom transformers, symbols). */
  readonly isExtension?: (value: unknown) => boolean
}

/**
 * Throws {@link ValidationError} naming the first part of `value` that `profile` cannot
 * represent faithfully. Returns whether `value` is plain JSON data, which
 * `JSON.stringify` round-trips exactly (no `undefined`, no -0 or non-finite numbers, no
 * rich types, no shared or circular references), so a rich format can skip its metadata.
 *
 * Both profiles refuse functions, symbols (values or keys), class instances, boxed
 * primitives, Errors, holes in arrays, and `undefined` array elements where the format
 * turns them into `null`. The plain profile (JSON) also refuses Date, Map, Set, RegExp,
 * URL, BigInt, typed arrays, NaN, ±Infinity, top-level `undefined` and cycles. It accepts
 * `undefined` object properties (JSON drops them; reading the property still gives
 * `undefined`) and `-0` (read back as `0`, which `===` equals), as JSON users expect.
 */
export function assertSerializable(value: unknown, profile: SerializableProfile): boolean {
  const walker = new Walker(profile)
  walker.visit(value, true)
  return walker.plain
}

const TYPED_ARRAYS: ReadonlySet<object> = new Set(
  [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array].map(
    (type) => type.prototype as object,
  ),
)

class Walker {
  private readonly path: string[] = []
  private readonly ancestors = new Set<object>()
  private readonly done = new Set<object>()
  /** Still true when everything seen so far is exact JSON. */
  plain = true

  constructor(private readonly profile: SerializableProfile) {}

  visit(value: unknown, topLevel = false): void {
    if (this.profile.isExtension?.(value)) {
      this.plain = false
      return
    }
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return
      case 'number':
        if (Number.isFinite(value) && !Object.is(value, -0)) return
        if (!this.profile.rich && !Number.isFinite(value)) this.fail(`${value} becomes null in JSON`)
        this.plain = false
        return
      case 'undefined':
        if (!this.profile.rich) this.fail(topLevel ? 'undefined has no JSON form' : 'undefined in an array becomes null in JSON')
        this.plain = false
        return
      case 'bigint':
        if (!this.profile.rich) this.fail('BigInt has no JSON form')
        this.plain = false
        return
      case 'symbol':
        return this.fail('symbols are not data')
      case 'function':
        return this.fail('functions are not data')
      default:
        if (value === null) return
        this.visitObject(value as object)
    }
  }

  private visitObject(value: object): void {
    if (this.done.has(value)) {
      this.plain = false
      return
    }
    if (this.ancestors.has(value)) {
      if (!this.profile.rich) this.fail('circular reference (JSON cannot represent cycles)')
      this.plain = false
      return
    }
    this.ancestors.add(value)
    this.visitContents(value)
    this.ancestors.delete(value)
    this.done.add(value)
  }

  private visitContents(value: object): void {
    const proto: unknown = Object.getPrototypeOf(value)
    if (proto === Object.prototype || proto === null) return this.visitPlainObject(value as Record<string, unknown>)
    if (proto === Array.prototype && Array.isArray(value)) return this.visitArray(value)
    if (!this.profile.rich)
      return this.fail(`${typeName(value)} has no faithful JSON form${RICH_TYPES.has(proto) ? '; use superjsonCodec' : ''}`)
    this.plain = false
    if (proto === Date.prototype) {
      if (Number.isNaN((value as Date).getTime())) this.fail('an invalid Date would be read back as null')
      return
    }
    if (proto === RegExp.prototype || proto === URL.prototype || TYPED_ARRAYS.has(proto as object)) return
    if (proto === Map.prototype) {
      for (const [key, entry] of value as Map<unknown, unknown>) {
        this.within('<map key>', key)
        this.within(`.get(${describeKey(key)})`, entry)
      }
      return
    }
    if (proto === Set.prototype) {
      for (const member of value as Set<unknown>) this.within('<set member>', member)
      return
    }
    this.fail(
      `${typeName(value)} would lose its class (only plain objects, arrays, Date, RegExp, URL, Map, Set and typed arrays round-trip)`,
    )
  }

  private visitPlainObject(value: Record<string, unknown>): void {
    if (Object.getOwnPropertySymbols(value).length > 0) this.fail('symbol-keyed properties would be dropped')
    for (const key of Object.keys(value)) {
      const property = value[key]
      // JSON drops undefined properties; reading them back still gives undefined.
      if (property === undefined && !this.profile.rich) {
        this.plain = false
        continue
      }
      this.within(/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`, property)
    }
  }

  private visitArray(value: readonly unknown[]): void {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) {
        this.path.push(`[${i}]`)
        this.fail('holes in arrays are read back as null')
      }
      this.within(`[${i}]`, value[i])
    }
  }

  private within(segment: string, value: unknown): void {
    this.path.push(segment)
    this.visit(value)
    this.path.pop()
  }

  private fail(reason: string): never {
    throw new ValidationError(`cannot serialize value${this.path.join('')}: ${reason}`)
  }
}

const RICH_TYPES: ReadonlySet<unknown> = new Set([
  Date.prototype,
  Map.prototype,
  Set.prototype,
  RegExp.prototype,
  URL.prototype,
  ...TYPED_ARRAYS,
])

function typeName(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name
  if (typeof name !== 'string' || name.length === 0) return 'an object with a custom prototype'
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} instance`
}

function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key.length > 20 ? `${key.slice(0, 20)}...` : key)
  if (typeof key === 'number' || typeof key === 'boolean' || typeof key === 'bigint') return String(key)
  return '...'
}
