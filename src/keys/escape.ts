/**
 * Parameter escaping: how a user-supplied value becomes one piece of a key.
 *
 * Reserved characters are percent-encoded (`%` + two uppercase hex digits), everything
 * else is kept, so ordinary ids stay readable (`42`, `alice@example.com`, `josé`) while
 * a value can never:
 * - forge a separator (`:`), so it cannot reach into another segment or family;
 * - widen a SCAN pattern (`*`, `?`, `[`, `]`, `\`);
 * - open, close or forge a cluster hash tag (`{`, `}`);
 * - smuggle whitespace or control characters into keys, logs and `redis-cli` output.
 *
 * `%` itself is reserved, which makes the encoding injective: two different strings
 * never encode to the same text, and {@link unescapeParam} inverts it exactly.
 */
import { ValidationError } from '../core/errors/index.js'

/** What a key parameter accepts. Numbers must be finite; strings must be non-empty. */
export type ParamValue = string | number | bigint | boolean

// Control characters and space (0x00-0x20), DEL, and % : * ? [ ] \ { }.
const RESERVED = /[\x00-\x20\x7f%:*?[\]\\{}]/
const RESERVED_ALL = /[\x00-\x20\x7f%:*?[\]\\{}]/g
const ESCAPE_SEQUENCE = /%([0-9A-F]{2})/g

/**
 * Encodes one parameter value for use inside a key. Strings, finite numbers, bigints
 * and booleans are accepted; numbers and strings with the same text (`42` and `'42'`)
 * give the same key on purpose, so an id read from a URL finds the entry stored under
 * the numeric id.
 *
 * @throws {ValidationError} for empty strings, non-finite numbers, strings with lone
 * UTF-16 surrogates, and any other type.
 * @example escapeParam('a:b*') // 'a%3Ab%2A'
 */
export function escapeParam(value: ParamValue, what = 'key parameter'): string {
  const text = paramText(value, what)
  return RESERVED.test(text) ? text.replace(RESERVED_ALL, percentEncode) : text
}

/**
 * Inverts {@link escapeParam}. Accepts only canonical encodings, the exact text
 * `escapeParam` produces, so every accepted text decodes to one value and back.
 *
 * @throws {ValidationError} for text `escapeParam` can never produce.
 * @example unescapeParam('a%3Ab%2A') // 'a:b*'
 */
export function unescapeParam(text: string): string {
  const value = tryUnescapeParam(text)
  if (value === null) throw new ValidationError(`${JSON.stringify(text)} is not an escaped key parameter`)
  return value
}

/** {@link unescapeParam} without the throw: `null` for non-canonical text. */
export function tryUnescapeParam(text: string): string | null {
  if (text.length === 0) return null
  const value = text.includes('%') ? text.replace(ESCAPE_SEQUENCE, percentDecode) : text
  // Re-encoding catches every non-canonical form at once: raw reserved characters,
  // lowercase hex, and escapes of characters that need none (`%41` for `A`).
  return escapeOrNull(value) === text ? value : null
}

/**
 * Decodes any `%XX` escapes, canonical or not, or returns `null` for text no encoder
 * produces (empty, a lone surrogate after decoding). Callers check canonical form by
 * encoding the result again.
 */
export function decodeParamLoosely(text: string): string | null {
  if (text.length === 0) return null
  const value = text.includes('%') ? text.replace(ESCAPE_SEQUENCE, percentDecode) : text
  return value.isWellFormed() ? value : null
}

function paramText(value: unknown, what: string): string {
  switch (typeof value) {
    case 'string':
      if (value.length === 0) throw new ValidationError(`${what} must not be an empty string`)
      if (!value.isWellFormed()) throw new ValidationError(`${what} contains a lone UTF-16 surrogate`)
      return value
    case 'number':
      if (!Number.isFinite(value)) throw new ValidationError(`${what} must be a finite number, got ${value}`)
      return String(value)
    case 'bigint':
    case 'boolean':
      return String(value)
    default:
      throw new ValidationError(`${what} must be a string, number, bigint or boolean, got ${value === null ? 'null' : typeof value}`)
  }
}

function escapeOrNull(value: string): string | null {
  if (value.length === 0 || !value.isWellFormed()) return null
  return RESERVED.test(value) ? value.replace(RESERVED_ALL, percentEncode) : value
}

function percentEncode(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
}

function percentDecode(_sequence: string, hex: string): string {
  return String.fromCharCode(Number.parseInt(hex, 16))
}
