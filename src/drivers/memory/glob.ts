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
  return (key) => match(patternBytes, 0, encoder.encode(key), 0, { skipLonger: false })
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

function match(p: Uint8Array, pi: number, s: Uint8Array, si: number, state: { skipLonger: boolean }): boolean {
  while (pi < p.length && si < s.length) {
    switch (p[pi]) {
      case STAR: {
        while (pi + 1 < p.length && p[pi + 1] === STAR) pi++
        if (pi + 1 === p.length) return true
        while (si < s.length) {
          if (match(p, pi + 1, s, si, state)) return true
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
          if (p[pi] === BACKSLASH && p.length - pi >= 2) {
            pi++
            if (p[pi] === s[si]) matched = true
          } else if (p[pi] === CLOSE) {
            break
          } else if (pi >= p.length) {
            pi--
            break
          } else if (p.length - pi >= 3 && p[pi + 1] === DASH) {
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
        if (p.length - pi >= 2) pi++
        if (p[pi] !== s[si]) return false
        si++
        break
      default:
        if (p[pi] !== s[si]) return false
        si++
        break
    }
    pi++
    if (si === s.length) {
      while (p[pi] === STAR) pi++
      break
    }
  }
  return pi === p.length && si === s.length
}
