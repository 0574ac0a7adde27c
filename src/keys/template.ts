/**
 * Key templates: `'user:{id}'`, `'videos:list:{page}:{sort}'`. Literal text and `{name}`
 * placeholders, compiled once at definition time into the pieces a key is built from.
 */
import { ValidationError } from '../core/errors/index.js'
import type { ParamValue } from './escape.js'
import { hasReservedSegment } from './reserved.js'

/** The parameter names of a template, as a union: `ParamNames<'a:{x}:{y}'>` is `'x' | 'y'`. */
export type ParamNames<Template extends string> = Template extends `${string}{${infer Name}}${infer Rest}` ? Name | ParamNames<Rest> : never

/**
 * The parameters object a template takes: `KeyParams<'user:{id}'>` is
 * `{ readonly id: ParamValue }`. A template typed only as `string` takes any parameters.
 */
export type KeyParams<Template extends string> = string extends Template
  ? Readonly<Record<string, ParamValue>>
  : { readonly [Name in ParamNames<Template>]: ParamValue }

/** A template, checked and split into the pieces a key is assembled from. */
export interface CompiledTemplate {
  readonly template: string
  /** Parameter names in template order. */
  readonly names: readonly string[]
  /**
   * Literal text around the parameters, hash-tag braces included:
   * `key = literals[0] + value(names[0]) + literals[1] + ... + literals[names.length]`.
   */
  readonly literals: readonly string[]
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
// Literal text may not hold what parameter escaping reserves (separators aside): it would
// make SCAN patterns ambiguous, forge hash tags, or look like an escaped value.
const FORBIDDEN_LITERAL = /[\x00-\x20\x7f%*?[\]\\]/

/**
 * Checks a template and compiles it, optionally wrapping the span from the first to the
 * last `hashTag` parameter in `{...}` so every key sharing those values hashes to one
 * cluster slot.
 *
 * @throws {ValidationError} for an empty template, unbalanced braces, empty, invalid or
 * duplicate parameter names, forbidden literal characters, empty `:` segments, two
 * parameters in one segment (keys would be ambiguous: `{a}-{b}` gives `x-y-z` for both
 * `('x-y', 'z')` and `('x', 'y-z')`), or `hashTag` names the template does not have.
 */
export function compileTemplate(template: string, hashTag: readonly string[] = [], what = 'template'): CompiledTemplate {
  if (typeof template !== 'string' || template.length === 0) throw new ValidationError(`${what} must be a non-empty string`)
  // cachekit's own features (rate limits, locks, counters, tags...) keep their keys under
  // `__`-prefixed segments of the namespace, so user families can never collide with them.
  // Any segment: a kit nested below this one keeps its feature keys one segment down.
  if (hasReservedSegment(template))
    throw new ValidationError(
      `${what} ${JSON.stringify(template)}: templates starting with '__' (or with a segment starting with '__') are reserved for cachekit's own keys`,
    )
  const { names, literals } = split(template, what)
  checkSegments(template, names, literals, what)
  return { template, names, literals: withHashTag(names, literals, hashTag, what) }
}

function split(template: string, what: string): { names: string[]; literals: string[] } {
  const names: string[] = []
  const literals: string[] = []
  let literal = ''
  for (let i = 0; i < template.length; i++) {
    const char = template[i] as string
    if (char === '}') throw new ValidationError(`${what} ${JSON.stringify(template)}: unbalanced '}' at ${i}`)
    if (char !== '{') {
      if (FORBIDDEN_LITERAL.test(char)) {
        throw new ValidationError(`${what} ${JSON.stringify(template)}: ${JSON.stringify(char)} is not allowed in literal text`)
      }
      literal += char
      continue
    }
    const close = template.indexOf('}', i + 1)
    const nested = template.indexOf('{', i + 1)
    if (close === -1 || (nested !== -1 && nested < close)) {
      throw new ValidationError(`${what} ${JSON.stringify(template)}: unbalanced '{' at ${i}`)
    }
    const name = template.slice(i + 1, close)
    if (name.length === 0) throw new ValidationError(`${what} ${JSON.stringify(template)}: empty parameter name at ${i}`)
    if (!NAME.test(name) || name === '__proto__') {
      throw new ValidationError(
        `${what} ${JSON.stringify(template)}: parameter name ${JSON.stringify(name)} must be an identifier ([A-Za-z_][A-Za-z0-9_]*) other than __proto__`,
      )
    }
    if (names.includes(name)) throw new ValidationError(`${what} ${JSON.stringify(template)}: duplicate parameter {${name}}`)
    names.push(name)
    literals.push(literal)
    literal = ''
    i = close
  }
  literals.push(literal)
  return { names, literals }
}

function checkSegments(template: string, names: readonly string[], literals: readonly string[], what: string): void {
  if (template.startsWith(':') || template.endsWith(':') || template.includes('::')) {
    throw new ValidationError(`${what} ${JSON.stringify(template)}: empty ':' segment`)
  }
  for (let i = 1; i < names.length; i++) {
    if (!(literals[i] as string).includes(':')) {
      throw new ValidationError(
        `${what} ${JSON.stringify(template)}: {${names[i - 1]}} and {${names[i]}} must be separated by ':' (one parameter per segment keeps keys unambiguous)`,
      )
    }
  }
}

function withHashTag(names: readonly string[], literals: readonly string[], hashTag: readonly string[], what: string): string[] {
  const result = [...literals]
  if (hashTag.length === 0) return result
  const positions = hashTag.map((name) => {
    const index = names.indexOf(name)
    if (index === -1) throw new ValidationError(`${what}: hashTag names {${name}}, which the template does not have`)
    return index
  })
  const first = Math.min(...positions)
  const last = Math.max(...positions)
  // literals[i] precedes names[i] and literals[i + 1] follows it.
  result[first] = `${result[first]}{`
  result[last + 1] = `}${result[last + 1]}`
  return result
}
