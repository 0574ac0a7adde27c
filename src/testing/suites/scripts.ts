import { describe, expect, it } from 'vitest'
import { CommandError, CrossSlotError, ValidationError } from '../../core/errors/index.js'
import { compareAndDelete, compareAndExpire, incrWithTtl } from '../../scripts/index.js'
import type { SuiteContext } from '../context.js'
import { echoScript, nilScript, readTypesScript, setAllScript } from '../scripts.js'

export function scriptsSuite(ctx: SuiteContext): void {
  describe('scripts', () => {
    it('converts replies as Redis does: integers, strings, nested arrays', async () => {
      const key = ctx.key('k')
      expect(await ctx.driver().eval(echoScript, [key], ['arg ✓'])).toEqual([1, key, 'arg ✓', 3, [1, 'x', []]])
      expect(await ctx.driver().eval(echoScript, [], [])).toEqual([0])
    })

    it('turns nil and false into null and true into 1', async () => {
      expect(await ctx.driver().eval(nilScript, [], ['nil'])).toBeNull()
      expect(await ctx.driver().eval(nilScript, [], ['false'])).toBeNull()
      expect(await ctx.driver().eval(nilScript, [], ['true'])).toBe(1)
    })

    it('reads hashes, sets and sorted sets inside a script', async () => {
      const [hash, set, zset] = [ctx.key('h'), ctx.key('s'), ctx.key('z')]
      await ctx.driver().hset(hash, { f: 'value' })
      await ctx.driver().sadd(set, ['a', 'b'])
      await ctx.driver().zadd(zset, [
        { member: 'low', score: 0.1 },
        { member: 'high', score: 9 },
      ])
      expect(await ctx.driver().eval(readTypesScript, [hash, set, zset], [])).toEqual(['value', 2, 'low', '0.10000000000000001'])
      expect(await ctx.driver().eval(readTypesScript, [ctx.key('h2'), ctx.key('s2'), ctx.key('z2')], [])).toEqual([null, 0, null, null])
    })

    it('deletes only a value it still owns (compare-and-delete)', async () => {
      const key = ctx.key('lock')
      await ctx.driver().set(key, 'owner-1')
      expect(await ctx.driver().eval(compareAndDelete, [key], ['owner-2'])).toBe(false)
      expect(await ctx.driver().get(key)).toBe('owner-1')
      expect(await ctx.driver().eval(compareAndDelete, [key], ['owner-1'])).toBe(true)
      expect(await ctx.driver().get(key)).toBeNull()
      expect(await ctx.driver().eval(compareAndDelete, [key], ['owner-1'])).toBe(false)
    })

    it('extends only a value it still owns (compare-and-expire)', async () => {
      const key = ctx.key('lock')
      await ctx.driver().set(key, 'owner-1', { ttlMs: 1_000 })
      expect(await ctx.driver().eval(compareAndExpire, [key], ['owner-2', '60000'])).toBe(false)
      expect(await ctx.driver().pttl(key)).toBeLessThanOrEqual(1_000)
      expect(await ctx.driver().eval(compareAndExpire, [key], ['owner-1', '60000'])).toBe(true)
      expect(await ctx.driver().pttl(key)).toBeGreaterThan(50_000)
    })

    it('increments with a TTL set on first write only (incr-with-ttl)', async () => {
      const key = ctx.key('n')
      expect(await ctx.driver().eval(incrWithTtl, [key], ['2', '60000'])).toBe(2)
      await ctx.driver().expire(key, 5_000)
      expect(await ctx.driver().eval(incrWithTtl, [key], ['3', '60000'])).toBe(5)
      expect(await ctx.driver().pttl(key)).toBeLessThanOrEqual(5_000)
    })

    it('runs atomically under concurrency', async () => {
      const key = ctx.key('n')
      await Promise.all(Array.from({ length: 100 }, () => ctx.driver().eval(incrWithTtl, [key], ['1', '60000'])))
      expect(await ctx.driver().get(key)).toBe('100')
    })

    it('reports a command error raised inside the script as CommandError', async () => {
      const key = ctx.key('n')
      await ctx.driver().set(key, 'not a number')
      await expect(ctx.driver().eval(incrWithTtl, [key], ['1', '60000'])).rejects.toBeInstanceOf(CommandError)
      expect(await ctx.driver().get(key)).toBe('not a number')
    })

    it('refuses a wrong number of keys and non-string arguments before running', async () => {
      await expect(ctx.driver().eval(compareAndDelete, [ctx.key('a'), ctx.key('b')], ['x'])).rejects.toBeInstanceOf(ValidationError)
      await expect(ctx.driver().eval(incrWithTtl, [ctx.key('n')], [1 as unknown as string, '1000'])).rejects.toBeInstanceOf(ValidationError)
      expect(await ctx.driver().exists([ctx.key('n')])).toBe(0)
    })

    it('runs a multi-key script over keys sharing a hash tag', async () => {
      const keys = [ctx.key('a'), ctx.key('b'), ctx.key('c')]
      expect(await ctx.driver().eval(setAllScript, keys, ['v'])).toBe(3)
      expect(await ctx.driver().mget(keys)).toEqual(['v', 'v', 'v'])
    })

    if (ctx.options.capabilities.cluster) {
      it('refuses a multi-key script over several cluster slots before sending it', async () => {
        const keys = Array.from({ length: 6 }, (_, i) => ctx.key(`slot-${i}`, true))
        await expect(ctx.driver().eval(setAllScript, keys, ['v'])).rejects.toBeInstanceOf(CrossSlotError)
        expect(await ctx.driver().exists(keys)).toBe(0)
      })
    } else {
      it('runs a multi-key script over untagged keys on a single node', async () => {
        const keys = Array.from({ length: 6 }, (_, i) => ctx.key(`slot-${i}`, true))
        expect(await ctx.driver().eval(setAllScript, keys, ['v'])).toBe(6)
      })
    }

    if (ctx.options.flushScripts) {
      const flushScripts = ctx.options.flushScripts
      it('recovers from a server that forgot its scripts (NOSCRIPT never reaches the caller)', async () => {
        const key = ctx.key('n')
        expect(await ctx.driver().eval(incrWithTtl, [key], ['1', '60000'])).toBe(1)
        await flushScripts()
        expect(await ctx.driver().eval(incrWithTtl, [key], ['1', '60000'])).toBe(2)
        await flushScripts()
        const results = await Promise.all(Array.from({ length: 20 }, () => ctx.driver().eval(incrWithTtl, [key], ['1', '60000'])))
        expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 3))
      })
    }
  })
}
