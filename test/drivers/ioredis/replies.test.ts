import { describe, expect, it } from 'vitest'
import * as reply from '../../../src/drivers/ioredis/replies.js'

// Pure functions over reply shapes. The shapes the local Redis 7 produces in each protocol
// are exercised end to end in user-client.test.ts; these cover shapes other ioredis
// versions and mappings produce (Map, Set, pairs, bigint, verbatim strings).
describe('ioredis reply normalisation', () => {
  it('reads HGETALL as an object, a Map or a flat array, keeping "__proto__" as a field', () => {
    const expected = { a: '1', ['__proto__']: 'p' }
    const fromArray = reply.toHash(['a', '1', '__proto__', 'p'])
    expect(Object.getPrototypeOf(fromArray)).toBe(Object.prototype)
    expect(Object.entries(fromArray)).toEqual(Object.entries(expected))
    expect(
      Object.entries(
        reply.toHash(
          new Map([
            ['a', '1'],
            ['__proto__', 'p'],
          ]),
        ),
      ),
    ).toEqual(Object.entries(expected))
    expect(reply.toHash({ a: '1' })).toEqual({ a: '1' })
    expect(reply.toHash(null)).toEqual({})
    expect(() => reply.toHash(['odd'])).toThrow(/unexpected reply/)
  })

  it('reads WITHSCORES as flat pairs or nested pairs, with scores as text or numbers', () => {
    const expected = [
      { member: 'a', score: 1.5 },
      { member: 'b', score: Number.POSITIVE_INFINITY },
      { member: 'c', score: Number.NEGATIVE_INFINITY },
    ]
    expect(reply.toScoredMembers(['a', '1.5', 'b', 'inf', 'c', '-inf'])).toEqual(expected)
    expect(
      reply.toScoredMembers([
        ['a', 1.5],
        ['b', Number.POSITIVE_INFINITY],
        ['c', Number.NEGATIVE_INFINITY],
      ]),
    ).toEqual(expected)
    expect(reply.toScoredMembers([])).toEqual([])
  })

  it('reads scores exactly and folds -0 into 0', () => {
    expect(reply.toScore('0.30000000000000004')).toBe(0.1 + 0.2)
    expect(reply.toScore('1.00000001e+308')).toBe(1.00000001e308)
    expect(reply.toScore('+inf')).toBe(Number.POSITIVE_INFINITY)
    expect(Object.is(reply.toScore('-0'), 0)).toBe(true)
    expect(Object.is(reply.toScore(-0), 0)).toBe(true)
    expect(reply.toNullableScore(null)).toBeNull()
    expect(() => reply.toScore('nan')).toThrow(/unexpected reply/)
  })

  it('converts script replies as RESP2 does: true is 1, false is null, maps flatten', () => {
    expect(reply.toScriptReply([true, false, null, 3n, 'x', [1, new Set(['s'])]])).toEqual([1, null, null, 3, 'x', [1, ['s']]])
    expect(reply.toScriptReply(new Map([['k', 'v']]))).toEqual(['k', 'v'])
    expect(reply.toScriptReply(new String('verbatim'))).toBe('verbatim')
    expect(reply.toScriptReply(new TextEncoder().encode('bytes'))).toBe('bytes')
  })

  it('reads integers and booleans in every shape a client may produce', () => {
    expect(reply.toInteger('-12')).toBe(-12)
    expect(reply.toInteger(7n)).toBe(7)
    expect(() => reply.toInteger('1.5')).toThrow(/unexpected reply/)
    expect(reply.toBoolean(1)).toBe(true)
    expect(reply.toBoolean(0)).toBe(false)
    expect(reply.toBoolean(true)).toBe(true)
    expect(reply.toNullableInteger(null)).toBeNull()
  })

  it('reads sets and verbatim strings as plain strings', () => {
    expect(reply.toStrings(new Set(['a', 'b']))).toEqual(['a', 'b'])
    expect(reply.toText(new String('# Memory\r\nused_memory:1'))).toBe('# Memory\r\nused_memory:1')
    expect(reply.toScanPage(['0', ['k']])).toEqual({ cursor: '0', keys: ['k'] })
  })
})
