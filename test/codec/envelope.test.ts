import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Codec } from '../../src/codec/codec.js'
import { decodeEnvelope, encodeEnvelope, envelopeState, type Envelope } from '../../src/codec/envelope.js'
import { jsonCodec } from '../../src/codec/json-codec.js'
import { superjsonCodec } from '../../src/codec/superjson-codec.js'
import { ValidationError } from '../../src/core/errors/index.js'

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0)
const HOUR = 3_600_000

function entry<V>(value: V, overrides: Partial<Envelope<V>> = {}): Envelope<V> {
  return { value, createdAt: NOW, expiresAt: NOW + HOUR, staleUntil: NOW + HOUR + 600_000, tags: [], ...overrides }
}

function decodeOk(codec: Codec, text: string): Envelope {
  const result = decodeEnvelope(codec, text)
  if (!result.ok) throw new Error(`expected a valid envelope, got ${result.reason}: ${result.message}`)
  return result.envelope
}

/** A realistic cached record (a user profile) of about `bytes` bytes of JSON. */
function record(bytes: number): Record<string, unknown> {
  const value: Record<string, unknown> = {
    id: 482_913,
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    roles: ['admin', 'editor'],
    active: true,
  }
  let length = JSON.stringify(value).length
  for (let i = 0; length < bytes; i++) {
    value[`field${i}`] = `value-${i}-${'x'.repeat(12)}`
    length += `,"field${i}":"value-${i}-${'x'.repeat(12)}"`.length
  }
  return value
}

describe('envelope round trip', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['an empty string', ''],
    ['unicode, with the separator inside', 'a|b ✓ 日本 🙂'],
    ['a Date', new Date(0)],
    ['a Map', new Map([['k', new Set([1n])]])],
    ['undefined', undefined],
    ['a record', record(1000)],
  ])('keeps %s and the entry times', (_name, value) => {
    const original = entry(value, { tags: ['user:42', 'users'] })
    expect(decodeOk(superjsonCodec, encodeEnvelope(superjsonCodec, original))).toEqual(original)
  })

  it('keeps tags holding any character, separators and brackets included', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 5 }), fc.jsonValue(), (tags, value) => {
        const original = entry(value, { tags })
        // jsonCodec reads -0 back as 0 (documented); compare with what JSON itself gives back.
        const expected = { ...original, value: JSON.parse(JSON.stringify(value)) as unknown }
        expect(decodeOk(jsonCodec, encodeEnvelope(jsonCodec, original))).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })

  it('keeps any valid times', () => {
    const time = fc.integer({ min: 0, max: 2 ** 50 })
    fc.assert(
      fc.property(time, time, time, (createdAt, ttlMs, graceMs) => {
        const original = entry('v', { createdAt, expiresAt: createdAt + ttlMs, staleUntil: createdAt + ttlMs + graceMs })
        expect(decodeOk(jsonCodec, encodeEnvelope(jsonCodec, original))).toEqual(original)
      }),
    )
  })

  it('writes the versioned, readable header', () => {
    const text = encodeEnvelope(jsonCodec, entry({ a: 1 }))
    expect(text).toBe(`ck1|json|${NOW.toString(36)}|${HOUR.toString(36)}|${(600_000).toString(36)}|0|{"a":1}`)
  })
})

describe('envelope state', () => {
  const stored = entry('v')
  it.each([
    [NOW, 'fresh'],
    [NOW + HOUR - 1, 'fresh'],
    [NOW + HOUR, 'stale'],
    [NOW + HOUR + 599_999, 'stale'],
    [NOW + HOUR + 600_000, 'expired'],
  ] as const)('at %i is %s', (nowMs, state) => {
    expect(envelopeState(stored, nowMs)).toBe(state)
  })
})

describe('envelope encoding refuses bad input, writing nothing', () => {
  it('refuses an unserializable value', () => {
    expect(() => encodeEnvelope(superjsonCodec, entry({ save: () => 1 }))).toThrow(ValidationError)
    expect(() => encodeEnvelope(jsonCodec, entry(new Date()))).toThrow(ValidationError)
  })

  it.each<[string, Partial<Envelope>]>([
    ['fractional createdAt', { createdAt: NOW + 0.5 }],
    ['negative createdAt', { createdAt: -1 }],
    ['NaN expiresAt', { expiresAt: Number.NaN }],
    ['expiresAt before createdAt', { expiresAt: NOW - 1 }],
    ['staleUntil before expiresAt', { staleUntil: NOW }],
    ['non-string tags', { tags: [1 as unknown as string] }],
  ])('refuses %s', (_name, overrides) => {
    expect(() => encodeEnvelope(jsonCodec, entry('v', overrides))).toThrow(ValidationError)
  })

  it('refuses codec ids the header cannot hold', () => {
    for (const id of ['', 'a|b', 'x'.repeat(17), 'sp ace']) {
      expect(() => encodeEnvelope({ ...jsonCodec, id }, entry('v'))).toThrow(ValidationError)
    }
  })

  it('wraps a custom codec’s own failures and non-string results in a ValidationError', () => {
    const throwing: Codec = {
      id: 'bad',
      encode: () => {
        throw new TypeError('nope')
      },
      decode: JSON.parse,
    }
    const numeric: Codec = { id: 'num', encode: () => 42 as unknown as string, decode: JSON.parse }
    expect(() => encodeEnvelope(throwing, entry('v'))).toThrow(ValidationError)
    expect(() => encodeEnvelope(numeric, entry('v'))).toThrow(ValidationError)
  })
})

describe('envelope decoding never crashes', () => {
  const valid = encodeEnvelope(jsonCodec, entry({ id: 1, name: 'x' }, { tags: ['t'] }))

  it.each<[string, unknown, string]>([
    ['a foreign string', '{"id":1}', 'foreign'],
    ['an empty string', '', 'foreign'],
    ['a non-string', 42, 'foreign'],
    ['a future format version', 'ck2|json|whatever', 'version'],
    ['another codec', encodeEnvelope(superjsonCodec, entry(1)), 'codec'],
    ['a truncated header', 'ck1|json|abc', 'corrupt'],
    ['a non-base-36 time', 'ck1|json|ABC|1|0|0|1', 'corrupt'],
    ['a time with leading zeros', 'ck1|json|01|1|0|0|1', 'corrupt'],
    ['an empty time', 'ck1|json||1|0|0|1', 'corrupt'],
    ['an oversized time', 'ck1|json|zzzzzzzzzzzz|1|0|0|1', 'corrupt'],
    ['times past the safe integers', 'ck1|json|zzzzzzzzzz|zzzzzzzzzz|zzzzzzzzzz|0|1', 'corrupt'],
    ['a tag length past the end', 'ck1|json|1|1|0|z|[]', 'corrupt'],
    ['tags that are not a string array', 'ck1|json|1|1|0|3|[1]1', 'corrupt'],
    ['an empty tag array written out', 'ck1|json|1|1|0|2|[]1', 'corrupt'],
    ['a truncated payload', valid.slice(0, -3), 'corrupt'],
    ['an empty payload', 'ck1|json|1|1|0|0|', 'corrupt'],
  ])('reports %s as %s', (_name, text, reason) => {
    const result = decodeEnvelope(jsonCodec, text as string)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.reason).toBe(reason)
  })

  it('returns a result, never throws, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(typeof decodeEnvelope(superjsonCodec, text).ok).toBe('boolean')
        expect(typeof decodeEnvelope(superjsonCodec, `ck1|sj|${text}`).ok).toBe('boolean')
      }),
      { numRuns: 1000 },
    )
  })

  it('returns a result, never throws, for any damage to a real envelope', () => {
    const rich = encodeEnvelope(superjsonCodec, entry({ at: new Date(0), ids: new Set([1n]) }, { tags: ['a', 'b'] }))
    fc.assert(
      fc.property(fc.nat(rich.length - 1), fc.nat(rich.length), fc.string({ maxLength: 3 }), (start, length, insert) => {
        const damaged = rich.slice(0, start) + insert + rich.slice(start + length)
        const result = decodeEnvelope(superjsonCodec, damaged)
        expect(typeof result.ok).toBe('boolean')
      }),
      { numRuns: 2000 },
    )
  })
})

describe('envelope size', () => {
  // Measured against the raw JSON of the value, with realistic times, a 1 h TTL and 10 min grace.
  const overhead = (codec: Codec, bytes: number, tags: string[] = []) => {
    const value = record(bytes)
    const raw = JSON.stringify(value).length
    return (
      encodeEnvelope(
        codec,
        entry(value, { createdAt: Date.now(), expiresAt: Date.now() + HOUR, staleUntil: Date.now() + HOUR + 600_000, tags }),
      ).length / raw
    )
  }

  it('stays within 1.15x raw JSON at 1 KB values, with either codec', () => {
    expect(overhead(superjsonCodec, 1024)).toBeLessThanOrEqual(1.15)
    expect(overhead(jsonCodec, 1024)).toBeLessThanOrEqual(1.15)
    expect(overhead(superjsonCodec, 1024, ['user:482913', 'users'])).toBeLessThanOrEqual(1.15)
  })

  it('adds a constant header of about 30 bytes, so overhead shrinks with the value', () => {
    expect(overhead(superjsonCodec, 100)).toBeLessThan(1.4)
    expect(overhead(superjsonCodec, 100 * 1024)).toBeLessThan(1.001)
  })
})
