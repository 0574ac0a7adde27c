import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/core/errors/index.js'
import { escapeParam, tryUnescapeParam, unescapeParam } from '../../src/keys/escape.js'

// Reserved characters, lookalikes and multi-byte text, so generated strings hit every rule.
const NASTY = fc.constantFrom(
  '*',
  '?',
  '[',
  ']',
  '^',
  '\\',
  '{',
  '}',
  ':',
  '%',
  ' ',
  '\n',
  '\x00',
  '\x7f',
  'a',
  'Z',
  '4',
  '2',
  '-',
  '_',
  'é',
  '日',
  '🙂',
  '%2A',
  '%3A',
)
const nastyString = fc.array(NASTY, { minLength: 1, maxLength: 12 }).map((parts) => parts.join(''))
const anyString = fc.oneof(nastyString, fc.string({ minLength: 1, unit: 'grapheme' }))

describe('escapeParam', () => {
  it.each([
    [42, '42'],
    ['42', '42'],
    ['alice@example.com', 'alice@example.com'],
    ['josé', 'josé'],
    ['550e8400-e29b-41d4-a716-446655440000', '550e8400-e29b-41d4-a716-446655440000'],
    [12345678901234567890n, '12345678901234567890'],
    [true, 'true'],
    [-1.5, '-1.5'],
  ])('keeps the ordinary id %s readable as %s', (value, expected) => {
    expect(escapeParam(value)).toBe(expected)
  })

  it.each([
    ['a:b', 'a%3Ab'],
    ['*', '%2A'],
    ['?', '%3F'],
    ['[^a]', '%5B^a%5D'],
    ['\\', '%5C'],
    ['}{', '%7D%7B'],
    ['100%', '100%25'],
    ['new york', 'new%20york'],
    ['line\nbreak', 'line%0Abreak'],
    ['\x7f', '%7F'],
  ])('escapes %j as %j', (value, expected) => {
    expect(escapeParam(value)).toBe(expected)
  })

  it('never lets a separator, glob metacharacter, brace or control character through', () => {
    fc.assert(
      fc.property(anyString, (value) => {
        expect(escapeParam(value)).not.toMatch(/[\x00-\x20\x7f:*?[\]\\{}]/)
      }),
    )
  })

  it('is injective: unescapeParam inverts it exactly', () => {
    fc.assert(
      fc.property(anyString, (value) => {
        expect(unescapeParam(escapeParam(value))).toBe(value)
      }),
      { numRuns: 500 },
    )
  })

  it('gives different values different encodings', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        fc.pre(a !== b)
        expect(escapeParam(a)).not.toBe(escapeParam(b))
      }),
      { numRuns: 500 },
    )
  })

  it.each<[unknown, string]>([
    ['', 'an empty string'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    ['\ud800', 'a lone surrogate'],
    [null, 'null'],
    [undefined, 'undefined'],
    [{}, 'an object'],
    [Symbol('id'), 'a symbol'],
  ])('refuses %s (%s) with a ValidationError', (value) => {
    expect(() => escapeParam(value as never)).toThrow(ValidationError)
  })

  it('names the parameter in its error', () => {
    expect(() => escapeParam('', 'keys.user: parameter {id}')).toThrow('keys.user: parameter {id} must not be an empty string')
  })
})

describe('unescapeParam', () => {
  it.each([
    ['a:b', 'raw separator'],
    ['%2a', 'lowercase hex'],
    ['%41', 'an escape of a character that needs none'],
    ['%', 'a dangling escape'],
    ['%G0', 'a non-hex escape'],
    ['', 'empty text'],
    ['a b', 'raw space'],
  ])('refuses %j (%s): escapeParam never produces it', (text) => {
    expect(tryUnescapeParam(text)).toBeNull()
    expect(() => unescapeParam(text)).toThrow(ValidationError)
  })
})
