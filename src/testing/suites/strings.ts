import { describe, expect, it } from 'vitest'
import { CommandError, ValidationError } from '../../core/errors/index.js'
import { waitFor, type SuiteContext } from '../context.js'

const ALL_LATIN1 = Array.from({ length: 256 }, (_, code) => String.fromCharCode(code)).join('')

export function stringsSuite(ctx: SuiteContext): void {
  describe('strings', () => {
    it('returns null for a missing key', async () => {
      expect(await ctx.driver().get(ctx.key('missing'))).toBeNull()
    })

    it('stores and reads back a value', async () => {
      const key = ctx.key('a')
      expect(await ctx.driver().set(key, 'hello')).toBe(true)
      expect(await ctx.driver().get(key)).toBe('hello')
    })

    it('tells an empty string from a missing key', async () => {
      const key = ctx.key('empty')
      await ctx.driver().set(key, '')
      expect(await ctx.driver().get(key)).toBe('')
      expect(await ctx.driver().exists([key])).toBe(1)
    })

    it.each([
      ['NUL and control characters', '\u0000a\u0001\r\n\t\u007f'],
      ['every Latin-1 code unit', ALL_LATIN1],
      ['non-BMP and combining characters', '𝄞 emoji 🎉, e\u0301, 中文, עברית'],
      ['a JSON document', JSON.stringify({ a: [1, 'two', null], b: { c: true } })],
      ['a 1 MB string', 'x'.repeat(1 << 20)],
    ])('round-trips %s unchanged', async (_, value) => {
      const key = ctx.key('binary')
      await ctx.driver().set(key, value)
      expect(await ctx.driver().get(key)).toBe(value)
    })

    it('accepts unicode and separator characters in keys', async () => {
      const key = ctx.key('ключ:🔑 with spaces*?[x]\\')
      await ctx.driver().set(key, 'v')
      expect(await ctx.driver().get(key)).toBe('v')
    })

    it('reads many keys in order, with null for missing ones', async () => {
      const [a, b, c] = [ctx.key('a'), ctx.key('b'), ctx.key('c')]
      await ctx.driver().set(a, '1')
      await ctx.driver().set(c, '3')
      expect(await ctx.driver().mget([a, b, c, a])).toEqual(['1', null, '3', '1'])
      expect(await ctx.driver().mget([])).toEqual([])
    })

    it('reads and deletes keys spread over cluster slots', async () => {
      const keys = Array.from({ length: 12 }, (_, i) => ctx.key(`spread-${i}`, true))
      await Promise.all(keys.map((key, i) => ctx.driver().set(key, String(i))))
      expect(await ctx.driver().mget(keys)).toEqual(keys.map((_, i) => String(i)))
      expect(await ctx.driver().exists(keys)).toBe(12)
      expect(await ctx.driver().del([...keys, ctx.key('never', true)])).toBe(12)
      expect(await ctx.driver().mget(keys)).toEqual(keys.map(() => null))
    })

    it('counts only existing keys on delete', async () => {
      const [a, b] = [ctx.key('a'), ctx.key('b')]
      await ctx.driver().set(a, '1')
      expect(await ctx.driver().del([a, b])).toBe(1)
      expect(await ctx.driver().del([a])).toBe(0)
      expect(await ctx.driver().del([])).toBe(0)
    })

    it('counts a key named twice twice in exists, as Redis does', async () => {
      const a = ctx.key('a')
      await ctx.driver().set(a, '1')
      expect(await ctx.driver().exists([a, a, ctx.key('b')])).toBe(2)
    })

    it('writes with nx only when the key is missing', async () => {
      const key = ctx.key('nx')
      expect(await ctx.driver().set(key, 'first', { nx: true })).toBe(true)
      expect(await ctx.driver().set(key, 'second', { nx: true })).toBe(false)
      expect(await ctx.driver().get(key)).toBe('first')
    })

    it('writes with xx only when the key exists', async () => {
      const key = ctx.key('xx')
      expect(await ctx.driver().set(key, 'first', { xx: true })).toBe(false)
      expect(await ctx.driver().get(key)).toBeNull()
      await ctx.driver().set(key, 'first')
      expect(await ctx.driver().set(key, 'second', { xx: true })).toBe(true)
      expect(await ctx.driver().get(key)).toBe('second')
    })

    it('lets exactly one of many concurrent nx writers win', async () => {
      const key = ctx.key('race')
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => ctx.driver().set(key, `w${i}`, { nx: true })))
      const winners = results.flatMap((won, i) => (won ? [`w${i}`] : []))
      expect(winners).toHaveLength(1)
      expect(await ctx.driver().get(key)).toBe(winners[0])
    })

    it('refuses nx together with xx, and keepTtl together with ttlMs', async () => {
      await expect(ctx.driver().set(ctx.key('k'), 'v', { nx: true, xx: true })).rejects.toBeInstanceOf(ValidationError)
      await expect(ctx.driver().set(ctx.key('k'), 'v', { keepTtl: true, ttlMs: 1000 })).rejects.toBeInstanceOf(ValidationError)
      expect(await ctx.driver().exists([ctx.key('k')])).toBe(0)
    })
  })

  describe('ttl', () => {
    it('reports -2 for a missing key and -1 for a key without TTL', async () => {
      const key = ctx.key('k')
      expect(await ctx.driver().pttl(key)).toBe(-2)
      await ctx.driver().set(key, 'v')
      expect(await ctx.driver().pttl(key)).toBe(-1)
    })

    it('sets a millisecond TTL', async () => {
      const key = ctx.key('k')
      await ctx.driver().set(key, 'v', { ttlMs: 10_000 })
      const pttl = await ctx.driver().pttl(key)
      expect(pttl).toBeGreaterThan(8_000)
      expect(pttl).toBeLessThanOrEqual(10_000)
    })

    it('rounds a fractional TTL up to whole milliseconds', async () => {
      const key = ctx.key('k')
      await ctx.driver().set(key, 'v', { ttlMs: 5_000.2 })
      const pttl = await ctx.driver().pttl(key)
      expect(Number.isInteger(pttl)).toBe(true)
      expect(pttl).toBeGreaterThan(4_000)
      expect(pttl).toBeLessThanOrEqual(5_001)
    })

    it('accepts a huge TTL', async () => {
      const key = ctx.key('k')
      await ctx.driver().set(key, 'v', { ttlMs: 1e12 })
      expect(await ctx.driver().pttl(key)).toBeGreaterThan(1e12 - 60_000)
    })

    it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e16, '100' as unknown as number])(
      'refuses a TTL of %s and writes nothing',
      async (ttlMs) => {
        const key = ctx.key('bad-ttl')
        await expect(ctx.driver().set(key, 'v', { ttlMs })).rejects.toBeInstanceOf(ValidationError)
        await expect(ctx.driver().expire(ctx.key('other'), ttlMs)).rejects.toBeInstanceOf(ValidationError)
        expect(await ctx.driver().get(key)).toBeNull()
      },
    )

    it('expires a key: expired keys read as missing', async () => {
      const key = ctx.key('short')
      await ctx.driver().set(key, 'v', { ttlMs: 40 })
      await waitFor(async () => (await ctx.driver().get(key)) === null, 'the key to expire', 3000)
      expect(await ctx.driver().exists([key])).toBe(0)
      expect(await ctx.driver().pttl(key)).toBe(-2)
      expect(await ctx.driver().mget([key])).toEqual([null])
    })

    it('clears the TTL when a key is overwritten, unless keepTtl is set', async () => {
      const key = ctx.key('k')
      await ctx.driver().set(key, 'v1', { ttlMs: 10_000 })
      await ctx.driver().set(key, 'v2', { keepTtl: true })
      expect(await ctx.driver().pttl(key)).toBeGreaterThan(0)
      await ctx.driver().set(key, 'v3')
      expect(await ctx.driver().pttl(key)).toBe(-1)
      expect(await ctx.driver().get(key)).toBe('v3')
    })

    it('expires and persists existing keys only', async () => {
      const key = ctx.key('k')
      expect(await ctx.driver().expire(key, 10_000)).toBe(false)
      expect(await ctx.driver().persist(key)).toBe(false)
      await ctx.driver().set(key, 'v')
      expect(await ctx.driver().persist(key)).toBe(false)
      expect(await ctx.driver().expire(key, 10_000)).toBe(true)
      expect(await ctx.driver().pttl(key)).toBeGreaterThan(8_000)
      expect(await ctx.driver().persist(key)).toBe(true)
      expect(await ctx.driver().pttl(key)).toBe(-1)
    })
  })

  describe('counters', () => {
    it('increments from zero and keeps the TTL', async () => {
      const key = ctx.key('n')
      expect(await ctx.driver().incrBy(key, 5)).toBe(5)
      expect(await ctx.driver().incrBy(key, -7)).toBe(-2)
      await ctx.driver().expire(key, 10_000)
      expect(await ctx.driver().incrBy(key, 1)).toBe(-1)
      expect(await ctx.driver().pttl(key)).toBeGreaterThan(0)
      expect(await ctx.driver().get(key)).toBe('-1')
    })

    it('counts exactly under concurrency', async () => {
      const key = ctx.key('n')
      await Promise.all(Array.from({ length: 100 }, () => ctx.driver().incrBy(key, 1)))
      expect(await ctx.driver().get(key)).toBe('100')
    })

    it.each(['abc', '1.5', ' 1', '+1', '01', ''])('refuses to increment the non-integer %j', async (value) => {
      const key = ctx.key('n')
      await ctx.driver().set(key, value)
      await expect(ctx.driver().incrBy(key, 1)).rejects.toBeInstanceOf(CommandError)
      expect(await ctx.driver().get(key)).toBe(value)
    })

    it('refuses to overflow 64 bits', async () => {
      const key = ctx.key('n')
      await ctx.driver().set(key, '9223372036854775800')
      await expect(ctx.driver().incrBy(key, 100)).rejects.toBeInstanceOf(CommandError)
      expect(await ctx.driver().get(key)).toBe('9223372036854775800')
    })

    it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])('refuses an increment of %s', async (by) => {
      await expect(ctx.driver().incrBy(ctx.key('n'), by)).rejects.toBeInstanceOf(ValidationError)
    })
  })
}
