/**
 * Collision check between two templates: can they produce the same key? `video:{id}` and
 * `video:list` can (`id = 'list'`), so an entry of one family could be read as the other.
 * `defineKeys` refuses such pairs at definition time.
 *
 * Exact, thanks to the escaping rules: a value never contains `:`, so both keys must have
 * the same `:` segments; a segment is literal text or `prefix + value + suffix` with at most
 * one parameter; values are non-empty and never contain braces.
 */
import type { CompiledTemplate } from './template.js'

type Segment = { readonly literal: string } | { readonly prefix: string; readonly suffix: string }

/** A key both templates produce, or `null` when their keys can never collide. */
export function findOverlap(a: CompiledTemplate, b: CompiledTemplate): string | null {
  const left = segments(a)
  const right = segments(b)
  if (left.length !== right.length) return null
  const example: string[] = []
  for (let i = 0; i < left.length; i++) {
    const shared = sharedSegment(left[i] as Segment, right[i] as Segment)
    if (shared === null) return null
    example.push(shared)
  }
  return example.join(':')
}

// A stand-in for each parameter; literal text can never contain it.
const SLOT = '\u0000'

function segments(compiled: CompiledTemplate): Segment[] {
  return compiled.literals
    .join(SLOT)
    .split(':')
    .map((text) => {
      const slot = text.indexOf(SLOT)
      return slot === -1 ? { literal: text } : { prefix: text.slice(0, slot), suffix: text.slice(slot + 1) }
    })
}

function sharedSegment(a: Segment, b: Segment): string | null {
  if ('literal' in a && 'literal' in b) return a.literal === b.literal ? a.literal : null
  if ('literal' in a) return literalMatches(a.literal, b as Exclude<Segment, { literal: string }>) ? a.literal : null
  if ('literal' in b) return literalMatches(b.literal, a) ? b.literal : null
  const prefix = longerCompatible(
    a.prefix,
    b.prefix,
    (long, short) => long.startsWith(short),
    (long, short) => long.slice(short.length),
  )
  const suffix = longerCompatible(
    a.suffix,
    b.suffix,
    (long, short) => long.endsWith(short),
    (long, short) => long.slice(0, long.length - short.length),
  )
  // Any unreserved character between the longer prefix and suffix completes a shared key.
  return prefix === null || suffix === null ? null : `${prefix}x${suffix}`
}

function literalMatches(literal: string, segment: { readonly prefix: string; readonly suffix: string }): boolean {
  const { prefix, suffix } = segment
  if (literal.length <= prefix.length + suffix.length) return false
  if (!literal.startsWith(prefix) || !literal.endsWith(suffix)) return false
  return !hasBrace(literal.slice(prefix.length, literal.length - suffix.length))
}

/** The longer of two affixes when the shorter one is part of it and the rest could be part of a value. */
function longerCompatible(
  a: string,
  b: string,
  contains: (long: string, short: string) => boolean,
  rest: (long: string, short: string) => string,
): string | null {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a]
  if (!contains(long, short) || hasBrace(rest(long, short))) return null
  return long
}

function hasBrace(text: string): boolean {
  return text.includes('{') || text.includes('}')
}
