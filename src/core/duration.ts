import { ValidationError } from './errors/index.js'

/** A duration: milliseconds, or a string such as `'500ms'`, `'30s'`, `'5m'`, `'1h'`, `'7d'`, `'1h30m'`. */
export type Duration = number | string

const UNIT_MS: Readonly<Record<string, number>> = Object.freeze({
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
})

const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gy

/**
 * Parses a duration to whole milliseconds (fractions round up, so a positive
 * duration never becomes 0). Throws {@link ValidationError} for anything else:
 * negative, NaN, Infinity, unknown units, empty strings.
 *
 * @example parseDuration('1h30m') // 5_400_000
 */
export function parseDuration(value: Duration, what = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ValidationError(`${what} must be a finite, non-negative number of milliseconds, got ${value}`)
    }
    return Math.ceil(value)
  }
  if (typeof value !== 'string') {
    throw new ValidationError(`${what} must be milliseconds or a string like '5m', got ${typeof value}`)
  }
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text)
  let total = 0
  PART.lastIndex = 0
  let consumed = 0
  for (let match = PART.exec(text); match; match = PART.exec(text)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number)
    consumed = PART.lastIndex
    while (text[consumed] === ' ') consumed++
    PART.lastIndex = consumed
  }
  if (text.length === 0 || consumed !== text.length) {
    throw new ValidationError(`${what}: cannot parse ${JSON.stringify(value)}; use milliseconds or e.g. '500ms', '30s', '5m', '1h', '7d'`)
  }
  return Math.ceil(total)
}
