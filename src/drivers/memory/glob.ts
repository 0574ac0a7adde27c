/**
 * Redis glob matching (`stringmatchlen` in util.c), byte for byte: `*`, `?`, `[abc]`,
 * `[^a]`, `[a-z]` (reversed ranges swap), `\x` escapes. Redis matches UTF-8 bytes, so a
 * `?` matches one byte, not one character; and it compares `char`s, which are signed on
 * the platforms Redis ships for, so ranges over bytes >= 0x80 behave as Redis's do.
 */
const encoder = new TextEncoder()

/** Compiles `pattern` into a predicate over keys, matching exactly as Redis SCAN MATCH does. */
export function compileGlob(pattern: string): (key: string) => boolean {
  if (pattern === '*') return () => true
  const patternBytes = encoder.encode(pattern)
  // One buffer per compiled pattern, reused for every key: a scan over a large keyspace
  // would otherwise allocate one array per key. UTF-8 needs at most 3 bytes per UTF-16 unit.
  let buffer = new Uint8Array(256)
  return (key) => {
    if (key.length * 3 > buffer.length) buffer = new Uint8Array(key.length * 3)
    const { written } = encoder.encodeInto(key, buffer)
    return match(patternBytes, 0, patternBytes.length, buffer, 0, written, { skipLonger: false })
  }
}

const STAR = 42 // *
const QUESTION = 63 // ?
const OPEN = 91 // [
const CLOSE = 93 // ]
const BACKSLASH = 92
const CARET = 94 // ^
const DASH = 45 // -

function signed(byte: number | undefined): number {
  if (byte === undefined) return 0
  return byte > 127 ? byte - 256 : byte
}

function match(
  p: Uint8Array,
  pi: number,
  pLength: number,
  s: Uint8Array,
  si: number,
  sLength: number,
  state: { skipLonger: boolean },
): boolean {
  while (pi < pLength && si < sLength) {
    switch (p[pi]) {
      case STAR: {
        while (pi + 1 < pLength && p[pi + 1] === STAR) pi++
        if (pi + 1 === pLength) return true
        while (si < sLength) {
          if (match(p, pi + 1, pLength, s, si, sLength, state)) return true
          if (state.skipLonger) return false
          si++
        }
        state.skipLonger = true
        return false
      }
      case QUESTION:
        si++
        break
      case OPEN: {
        pi++
        const negate = p[pi] === CARET
        if (negate) pi++
        let matched = false
        for (;;) {
          if (p[pi] === BACKSLASH && pLength - pi >= 2) {
            pi++
            if (p[pi] === s[si]) matched = true
          } else if (p[pi] === CLOSE) {
            break
          } else if (pi >= pLength) {
            pi--
            break
          } else if (pLength - pi >= 3 && p[pi + 1] === DASH) {
            let start = signed(p[pi])
            let end = signed(p[pi + 2])
            const c = signed(s[si])
            if (start > end) [start, end] = [end, start]
            pi += 2
            if (c >= start && c <= end) matched = true
          } else if (p[pi] === s[si]) {
            matched = true
          }
          pi++
        }
        if (negate) matched = !matched
        if (!matched) return false
        si++
        break
      }
      case BACKSLASH:
        if (pLength - pi >= 2) pi++
        if (p[pi] !== s[si]) return false
        si++
        break
      default:
        if (p[pi] !== s[si]) return false
        si++
        break
    }
    pi++
    if (si === sLength) {
      while (p[pi] === STAR) pi++
      break
    }
  }
  return pi === pLength && si === sLength
}
