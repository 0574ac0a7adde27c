import { describe, expect, it } from 'vitest'
import { CommandError, ValidationError } from '../../core/errors/index.js'
import type { SuiteContext } from '../context.js'

export function collectionsSuite(ctx: SuiteContext): void {
  describe('hashes', () => {
    it('sets, reads and counts new fields', async () => {
      const key = ctx.key('h')
      expect(await ctx.driver().hset(key, { a: '1', b: '' })).toBe(2)
      expect(await ctx.driver().hset(key, { a: '2', c: '3' })).toBe(1)
      expect(await ctx.driver().hget(key, 'a')).toBe('2')
      expect(await ctx.driver().hget(key, 'b')).toBe('')
      expect(await ctx.driver().hget(key, 'zz')).toBeNull()
      expect(await ctx.driver().hmget(key, ['c', 'zz', 'a'])).toEqual(['3', null, '2'])
      expect(await ctx.driver().hgetall(key)).toEqual({ a: '2', b: '', c: '3' })
    })

    it('reads a missing hash as empty', async () => {
      expect(await ctx.driver().hgetall(ctx.key('none'))).toEqual({})
      expect(await ctx.driver().hget(ctx.key('none'), 'f')).toBeNull()
      expect(await ctx.driver().hmget(ctx.key('none'), ['f'])).toEqual([null])
    })

    it('removes the key with its last field', async () => {
      const key = ctx.key('h')
      await ctx.driver().hset(key, { a: '1', b: '2' })
      expect(await ctx.driver().hdel(key, ['a', 'zz'])).toBe(1)
      expect(await ctx.driver().exists([key])).toBe(1)
      expect(await ctx.driver().hdel(key, ['b'])).toBe(1)
      expect(await ctx.driver().exists([key])).toBe(0)
    })

    it('increments fields exactly', async () => {
      const key = ctx.key('h')
      await Promise.all(Array.from({ length: 50 }, () => ctx.driver().hincrBy(key, 'n', 2)))
      expect(await ctx.driver().hget(key, 'n')).toBe('100')
      await ctx.driver().hset(key, { s: 'text' })
      await expect(ctx.driver().hincrBy(key, 's', 1)).rejects.toBeInstanceOf(CommandError)
    })

    it('round-trips unicode field names and values', async () => {
      const key = ctx.key('h')
      await ctx.driver().hset(key, { 'ключ 🔑': 'значение 🎉', '': 'empty name' })
      expect(await ctx.driver().hgetall(key)).toEqual({ 'ключ 🔑': 'значение 🎉', '': 'empty name' })
    })

    it('keeps a field named __proto__ as an ordinary field', async () => {
      const key = ctx.key('h')
      await ctx.driver().hset(key, JSON.parse('{"__proto__":"p","constructor":"c"}') as Record<string, string>)
      const all = await ctx.driver().hgetall(key)
      expect(Object.keys(all).sort()).toEqual(['__proto__', 'constructor'])
      expect(Object.getPrototypeOf(all)).toBe(Object.prototype)
      expect(await ctx.driver().hget(key, '__proto__')).toBe('p')
    })

    it('writes nothing for empty field, member and entry lists', async () => {
      expect(await ctx.driver().hset(ctx.key('h'), {})).toBe(0)
      expect(await ctx.driver().sadd(ctx.key('s'), [])).toBe(0)
      expect(await ctx.driver().zadd(ctx.key('z'), [])).toBe(0)
      expect(await ctx.driver().exists([ctx.key('h'), ctx.key('s'), ctx.key('z')])).toBe(0)
      expect(await ctx.driver().hdel(ctx.key('h'), [])).toBe(0)
      expect(await ctx.driver().srem(ctx.key('s'), [])).toBe(0)
    })

    it('refuses a non-string field value', async () => {
      await expect(ctx.driver().hset(ctx.key('h'), { a: 1 as unknown as string })).rejects.toBeInstanceOf(ValidationError)
      expect(await ctx.driver().exists([ctx.key('h')])).toBe(0)
    })
  })

  describe('sets', () => {
    it('adds, checks, counts and removes members', async () => {
      const key = ctx.key('s')
      expect(await ctx.driver().sadd(key, ['a', 'b', 'a'])).toBe(2)
      expect(await ctx.driver().sadd(key, ['b', 'c'])).toBe(1)
      expect((await ctx.driver().smembers(key)).sort()).toEqual(['a', 'b', 'c'])
      expect(await ctx.driver().sismember(key, 'a')).toBe(true)
      expect(await ctx.driver().sismember(key, 'z')).toBe(false)
      expect(await ctx.driver().scard(key)).toBe(3)
      expect(await ctx.driver().srem(key, ['a', 'z'])).toBe(1)
      expect(await ctx.driver().scard(key)).toBe(2)
    })

    it('reads a missing set as empty and removes the key with its last member', async () => {
      const key = ctx.key('s')
      expect(await ctx.driver().smembers(key)).toEqual([])
      expect(await ctx.driver().scard(key)).toBe(0)
      await ctx.driver().sadd(key, ['only'])
      await ctx.driver().srem(key, ['only'])
      expect(await ctx.driver().exists([key])).toBe(0)
    })
  })

  describe('sorted sets', () => {
    it('adds members, updates scores and counts only new members', async () => {
      const key = ctx.key('z')
      expect(
        await ctx.driver().zadd(key, [
          { member: 'a', score: 1 },
          { member: 'b', score: 2 },
        ]),
      ).toBe(2)
      expect(
        await ctx.driver().zadd(key, [
          { member: 'a', score: 3 },
          { member: 'c', score: 0 },
        ]),
      ).toBe(1)
      expect(await ctx.driver().zscore(key, 'a')).toBe(3)
      expect(await ctx.driver().zscore(key, 'zz')).toBeNull()
      expect(await ctx.driver().zcard(key)).toBe(3)
      expect(await ctx.driver().zrange(key, 0, -1)).toEqual(['c', 'b', 'a'])
    })

    it('orders ties by member bytes, as Redis does', async () => {
      const key = ctx.key('z')
      const members = ['b', 'a', 'B', 'é', 'z', '10', '9', '\uffff', '😀']
      await ctx.driver().zadd(
        key,
        members.map((member) => ({ member, score: 1 })),
      )
      expect(await ctx.driver().zrange(key, 0, -1)).toEqual(['10', '9', 'B', 'a', 'b', 'z', 'é', '\uffff', '😀'])
    })

    it('ranges by rank with negative indexes, reversed and with scores', async () => {
      const key = ctx.key('z')
      await ctx.driver().zadd(
        key,
        [1, 2, 3, 4, 5].map((n) => ({ member: `m${n}`, score: n * 1.5 })),
      )
      expect(await ctx.driver().zrange(key, 1, 2)).toEqual(['m2', 'm3'])
      expect(await ctx.driver().zrange(key, -2, -1)).toEqual(['m4', 'm5'])
      expect(await ctx.driver().zrange(key, 0, 1, { rev: true })).toEqual(['m5', 'm4'])
      expect(await ctx.driver().zrange(key, -100, 100)).toHaveLength(5)
      expect(await ctx.driver().zrange(key, 3, 1)).toEqual([])
      expect(await ctx.driver().zrange(key, 10, 20)).toEqual([])
      expect(await ctx.driver().zrangeWithScores(key, 0, 1, { rev: true })).toEqual([
        { member: 'm5', score: 7.5 },
        { member: 'm4', score: 6 },
      ])
      expect(await ctx.driver().zrange(ctx.key('none'), 0, -1)).toEqual([])
    })

    it('ranges by score with inclusive and infinite bounds, offset, count and reverse', async () => {
      const key = ctx.key('z')
      await ctx.driver().zadd(
        key,
        [1, 2, 3, 4, 5].map((n) => ({ member: `m${n}`, score: n })),
      )
      expect((await ctx.driver().zrangeByScore(key, 2, 4)).map((e) => e.member)).toEqual(['m2', 'm3', 'm4'])
      expect((await ctx.driver().zrangeByScore(key, Number.NEGATIVE_INFINITY, 2)).map((e) => e.member)).toEqual(['m1', 'm2'])
      expect(await ctx.driver().zrangeByScore(key, 4, Number.POSITIVE_INFINITY)).toEqual([
        { member: 'm4', score: 4 },
        { member: 'm5', score: 5 },
      ])
      expect((await ctx.driver().zrangeByScore(key, 1, 5, { offset: 1, count: 2 })).map((e) => e.member)).toEqual(['m2', 'm3'])
      expect((await ctx.driver().zrangeByScore(key, 1, 5, { rev: true, count: 2 })).map((e) => e.member)).toEqual(['m5', 'm4'])
      expect(await ctx.driver().zrangeByScore(key, 6, 9)).toEqual([])
    })

    it('ranks members forwards and backwards', async () => {
      const key = ctx.key('z')
      await ctx.driver().zadd(key, [
        { member: 'a', score: 10 },
        { member: 'b', score: 20 },
        { member: 'c', score: 30 },
      ])
      expect(await ctx.driver().zrank(key, 'a')).toBe(0)
      expect(await ctx.driver().zrank(key, 'a', { rev: true })).toBe(2)
      expect(await ctx.driver().zrank(key, 'zz')).toBeNull()
    })

    it('keeps fractional and negative scores exactly', async () => {
      const key = ctx.key('z')
      // biome-ignore lint/correctness/noPrecisionLoss: a literal with more digits than a double keeps, as a user may write it
      const scores = [0.1 + 0.2, -1e-7, 123456789.987654321, 2 ** 52 + 0.5, -0]
      await ctx.driver().zadd(
        key,
        scores.map((score, i) => ({ member: `m${i}`, score })),
      )
      for (const [i, score] of scores.entries()) expect(await ctx.driver().zscore(key, `m${i}`)).toBe(score === 0 ? 0 : score)
    })

    it('increments scores and removes the key with its last member', async () => {
      const key = ctx.key('z')
      expect(await ctx.driver().zincrBy(key, 'a', 2.5)).toBe(2.5)
      expect(await ctx.driver().zincrBy(key, 'a', -1)).toBe(1.5)
      expect(await ctx.driver().zrem(key, ['a', 'zz'])).toBe(1)
      expect(await ctx.driver().exists([key])).toBe(0)
    })

    it.each([Number.NaN, Number.POSITIVE_INFINITY])('refuses a score of %s', async (score) => {
      await expect(ctx.driver().zadd(ctx.key('z'), [{ member: 'a', score }])).rejects.toBeInstanceOf(ValidationError)
      expect(await ctx.driver().exists([ctx.key('z')])).toBe(0)
    })
  })

  describe('types', () => {
    it('refuses a command on a key holding another type with WRONGTYPE', async () => {
      const key = ctx.key('string')
      await ctx.driver().set(key, 'v')
      for (const attempt of [
        () => ctx.driver().hget(key, 'f'),
        () => ctx.driver().sadd(key, ['m']),
        () => ctx.driver().zadd(key, [{ member: 'm', score: 1 }]),
        () => ctx.driver().smembers(key),
      ]) {
        const error = await attempt().then(
          () => undefined,
          (reason: unknown) => reason,
        )
        expect(error).toBeInstanceOf(CommandError)
        expect((error as CommandError).reply).toBe('WRONGTYPE')
      }
      await ctx.driver().hset(ctx.key('hash'), { f: 'v' })
      await expect(ctx.driver().get(ctx.key('hash'))).rejects.toBeInstanceOf(CommandError)
      expect(await ctx.driver().get(key)).toBe('v')
    })

    it('reads a key of another type as null in mget, as Redis does', async () => {
      await ctx.driver().sadd(ctx.key('set'), ['m'])
      await ctx.driver().set(ctx.key('string'), 'v')
      expect(await ctx.driver().mget([ctx.key('set'), ctx.key('string')])).toEqual([null, 'v'])
    })

    it('replaces a key of any type on set', async () => {
      const key = ctx.key('k')
      await ctx.driver().sadd(key, ['m'])
      await ctx.driver().set(key, 'now a string')
      expect(await ctx.driver().get(key)).toBe('now a string')
    })
  })
}
