import fc from 'fast-check'
import { SuperJSON } from 'superjson'
import { describe, expect, it } from 'vitest'
import { jsonCodec } from '../../src/codec/json-codec.js'
import { createSuperjsonCodec, superjsonCodec } from '../../src/codec/superjson-codec.js'
import { ValidationError } from '../../src/core/errors/index.js'

const roundTrip = (codec: typeof jsonCodec, value: unknown) => codec.decode(codec.encode(value))

const circular = (): unknown => {
  const node: Record<string, unknown> = { name: 'loop' }
  node.self = node
  return node
}

function containsNegativeZero(value: unknown): boolean {
  if (Object.is(value, -0)) return true
  return typeof value === 'object' && value !== null && Object.values(value).some(containsNegativeZero)
}

class Money {
  constructor(
    readonly amount = 0,
    readonly currency = 'EUR',
  ) {}
}

describe('superjsonCodec', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['an empty string', ''],
    ['unicode', 'héllo 日本 🙂 \u2028'],
    ['a lone surrogate inside a string', 'a\ud800b'],
    ['a Date', new Date('2024-02-29T12:34:56.789Z')],
    [
      'a Map with object keys',
      new Map<unknown, unknown>([
        [{ id: 1 }, 'a'],
        ['k', new Set([1, 2])],
      ]),
    ],
    ['a Set', new Set(['a', 1, null])],
    ['a BigInt', 12345678901234567890n],
    ['a RegExp', /a+b/gi],
    ['a URL', new URL('https://example.com/a?b=c')],
    ['a typed array', new Uint8Array([1, 2, 255])],
    ['NaN, ±Infinity and -0', [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0]],
    ['undefined properties and array elements', { a: undefined, list: [1, undefined, 3] }],
    ['a null-prototype object', Object.assign(Object.create(null) as object, { a: 1 })],
    [
      'nested rich data',
      { user: { id: 1n, joined: new Date(0), roles: new Set(['admin']), prefs: new Map([['theme', { dark: true }]]) }, list: [[[]]] },
    ],
  ])('round-trips %s', (_name, value) => {
    expect(roundTrip(superjsonCodec, value)).toEqual(value)
  })

  it('keeps shared and circular references', () => {
    const shared = { id: 1 }
    const decoded = roundTrip(superjsonCodec, [shared, shared]) as [object, object]
    expect(decoded[0]).toBe(decoded[1])
    const loop = roundTrip(superjsonCodec, circular()) as { self: unknown }
    expect(loop.self).toBe(loop)
  })

  it('stores plain data as plain JSON: same size, JSON.parse speed', () => {
    const value = { id: 42, name: 'Ada', tags: ['a', 'b'], nested: { ok: true } }
    expect(superjsonCodec.encode(value)).toBe(JSON.stringify(value))
  })

  it('round-trips any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(roundTrip(superjsonCodec, value)).toEqual(value)
      }),
    )
  })

  it('round-trips arbitrary rich values', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.double(),
      fc.bigInt(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.date({ noInvalidDate: true }),
    )
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object'), tie('map'), tie('set')),
      array: fc.array(tie('value'), { maxLength: 4 }),
      // superjson refuses these three names in values that need metadata (tested below).
      object: fc.dictionary(
        fc.string().filter((key) => !['__proto__', 'constructor', 'prototype'].includes(key)),
        tie('value'),
        { maxKeys: 4 },
      ),
      map: fc.array(fc.tuple(fc.string(), tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
      set: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 4 }).map((items) => new Set(items)),
    }))
    fc.assert(
      fc.property(value, (input) => {
        expect(roundTrip(superjsonCodec, input)).toEqual(input)
      }),
      { numRuns: 300 },
    )
  })

  it.each<[string, unknown, string]>([
    ['a function', { save: () => 1 }, 'value.save: functions are not data'],
    ['a symbol', { kind: Symbol('x') }, 'value.kind: symbols are not data'],
    ['a symbol-keyed property', { [Symbol('k')]: 1 }, 'symbol-keyed properties would be dropped'],
    ['a class instance', { price: new Money(1) }, 'value.price: a Money instance would lose its class'],
    ['an Error', new Error('boom'), 'an Error instance would lose its class'],
    ['a Node Buffer', Buffer.from('hi'), 'a Buffer instance would lose its class'],
    ['a boxed string', new String('x'), 'a String instance would lose its class'],
    ['a Promise', Promise.resolve(1), 'a Promise instance'],
    ['a WeakMap', new WeakMap(), 'a WeakMap instance'],
    ['an invalid Date', { at: new Date(Number.NaN) }, 'value.at: an invalid Date would be read back as null'],
    // biome-ignore lint/suspicious/noSparseArray: the hole is what this case is about
    ['an array hole', [1, , 3], 'value[1]: holes in arrays'],
    ['a function in a Map', new Map([['k', () => 1]]), 'value.get("k"): functions are not data'],
    ['a function in a Set', new Set([() => 1]), 'value<set member>: functions are not data'],
    ['a __proto__ key beside rich data', { ...JSON.parse('{"__proto__": {"polluted": true}}'), at: new Date(0) }, 'prototype pollution'],
  ])('refuses %s with a ValidationError naming where it is', (_name, value, message) => {
    expect(() => superjsonCodec.encode(value)).toThrow(ValidationError)
    expect(() => superjsonCodec.encode(value)).toThrow(message)
  })

  it('stores plain data with constructor or prototype properties (no superjson involved)', () => {
    const value = { constructor: 'Bach', prototype: { id: 1 } }
    expect(roundTrip(superjsonCodec, value)).toEqual(value)
  })

  it('refuses rich data with a constructor property, which superjson rejects', () => {
    expect(() => superjsonCodec.encode({ constructor: 'Bach', born: new Date(0) })).toThrow(ValidationError)
    expect(() => superjsonCodec.encode({ constructor: 'Bach', born: new Date(0) })).toThrow('constructor')
  })

  it('refuses values nested too deeply to serialize, with a ValidationError', () => {
    let deep: unknown = 'bottom'
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(() => superjsonCodec.encode(deep)).toThrow(ValidationError)
  })

  it('ignores registrations on the global SuperJSON', () => {
    SuperJSON.registerClass(Money, 'Money')
    expect(() => superjsonCodec.encode(new Money(1))).toThrow(ValidationError)
  })

  it('round-trips classes registered on an instance given to createSuperjsonCodec', () => {
    const instance = new SuperJSON()
    instance.registerClass(Money, 'Money')
    const codec = createSuperjsonCodec(instance, 'sj-money')
    const decoded = roundTrip(codec, { price: new Money(5, 'USD') }) as { price: Money }
    expect(decoded.price).toBeInstanceOf(Money)
    expect(decoded.price).toEqual(new Money(5, 'USD'))
    expect(codec.id).toBe('sj-money')
  })

  it('refuses foreign text that is not a superjson document', () => {
    expect(() => superjsonCodec.decode('~{"a":1}')).toThrow()
    expect(() => superjsonCodec.decode('not json')).toThrow()
  })
})

describe('jsonCodec', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['an empty string', ''],
    ['unicode', 'héllo 日本 🙂'],
    ['nested plain data', { a: [1, { b: [true, null, 'x'] }], c: { d: {} } }],
    [
      'a DAG (shared, not circular, references)',
      (() => {
        const shared = { id: 1 }
        return { a: shared, b: shared }
      })(),
    ],
  ])('round-trips %s', (_name, value) => {
    expect(roundTrip(jsonCodec, value)).toEqual(value)
  })

  it('round-trips any JSON value (-0 aside)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(!containsNegativeZero(value))
        expect(roundTrip(jsonCodec, value)).toEqual(value)
      }),
    )
  })

  it('reads -0 back as 0, which === equals', () => {
    expect(roundTrip(jsonCodec, -0)).toBe(0)
  })

  it('drops undefined properties, which read back as undefined all the same', () => {
    expect((roundTrip(jsonCodec, { a: 1, b: undefined }) as { b?: unknown }).b).toBeUndefined()
  })

  it.each<[string, unknown, string]>([
    ['a Date', { at: new Date() }, 'value.at: a Date instance has no faithful JSON form; use superjsonCodec'],
    ['a Map', new Map(), 'a Map instance has no faithful JSON form; use superjsonCodec'],
    ['a Set', new Set(), 'a Set instance has no faithful JSON form; use superjsonCodec'],
    ['a RegExp', /x/, 'a RegExp instance has no faithful JSON form'],
    ['a BigInt', { n: 1n }, 'value.n: BigInt has no JSON form'],
    ['NaN', [Number.NaN], 'value[0]: NaN becomes null in JSON'],
    ['Infinity', Number.POSITIVE_INFINITY, 'Infinity becomes null in JSON'],
    ['top-level undefined', undefined, 'undefined has no JSON form'],
    ['undefined in an array', [undefined], 'value[0]: undefined in an array becomes null in JSON'],
    ['a cycle', circular(), 'value.self: circular reference'],
    ['a function', { f: () => 1 }, 'functions are not data'],
    ['a toJSON method', { toJSON: () => 'x' }, 'value.toJSON: functions are not data'],
    ['a class instance', new Money(), 'a Money instance has no faithful JSON form'],
    // biome-ignore lint/suspicious/noSparseArray: the hole is what this case is about
    ['an array hole', [1, , 3], 'holes in arrays'],
  ])('refuses %s with a ValidationError naming where it is', (_name, value, message) => {
    expect(() => jsonCodec.encode(value)).toThrow(ValidationError)
    expect(() => jsonCodec.encode(value)).toThrow(message)
  })
})
