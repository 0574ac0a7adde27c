import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../core/errors/index.js'
import type { Driver } from '../../drivers/driver.js'
import { waitFor, type SuiteContext } from '../context.js'

export function scanSuite(ctx: SuiteContext): void {
  describe('scan', () => {
    it('finds every matching key across many small batches, each batch non-empty', async () => {
      const keys = Array.from({ length: 40 }, (_, i) => ctx.key(`item:${i}`, true))
      await Promise.all(keys.map((key) => ctx.driver().set(key, 'v')))
      await ctx.driver().set(ctx.key('other:1', true), 'v')
      const batches = await collect(ctx.driver(), ctx.key('item:*', true), { count: 5 })
      expect(batches.every((batch) => batch.length > 0)).toBe(true)
      expect(new Set(batches.flat())).toEqual(new Set(keys))
    })

    it('matches glob syntax exactly as Redis: ?, [set], [^set], [a-z] and escapes', async () => {
      const base = ctx.key('g:', true)
      const names = ['a*b', 'a?b', 'axb', 'ayb', 'a[b', 'a\\b', 'abb', 'a]b', 'aéb']
      await Promise.all(names.map((name) => ctx.driver().set(base + name, 'v')))
      const found = async (pattern: string) =>
        (await collect(ctx.driver(), base.replace(/[*?[\]\\]/g, '\\$&') + pattern))
          .flat()
          .map((key) => key.slice(base.length))
          .sort()
      expect(await found('a\\*b')).toEqual(['a*b'])
      expect(await found('a\\?b')).toEqual(['a?b'])
      expect(await found('a?b')).toEqual(['a*b', 'a?b', 'a[b', 'a\\b', 'a]b', 'abb', 'axb', 'ayb'])
      expect(await found('a[xy]b')).toEqual(['axb', 'ayb'])
      expect(await found('a[^xy]b')).toEqual(['a*b', 'a?b', 'a[b', 'a\\b', 'a]b', 'abb'])
      expect(await found('a[w-y]b')).toEqual(['axb', 'ayb'])
      expect(await found('a[y-w]b')).toEqual(['axb', 'ayb'])
      expect(await found('a\\[b')).toEqual(['a[b'])
      expect(await found('a\\\\b')).toEqual(['a\\b'])
      expect(await found('a??b')).toEqual(['aéb'])
    })

    it('never yields expired keys', async () => {
      const live = ctx.key('ttl:live', true)
      const dying = ctx.key('ttl:dying', true)
      await ctx.driver().set(live, 'v')
      await ctx.driver().set(dying, 'v', { ttlMs: 30 })
      await waitFor(async () => (await ctx.driver().get(dying)) === null, 'the key to expire', 3000)
      expect((await collect(ctx.driver(), ctx.key('ttl:*', true))).flat()).toEqual([live])
    })

    it('stops between batches when its signal aborts', async () => {
      const keys = Array.from({ length: 30 }, (_, i) => ctx.key(`abort:${i}`, true))
      await Promise.all(keys.map((key) => ctx.driver().set(key, 'v')))
      const controller = new AbortController()
      const seen: string[] = []
      const run = async () => {
        for await (const batch of ctx.driver().scan(ctx.key('abort:*', true), { count: 2, signal: controller.signal })) {
          seen.push(...batch)
          controller.abort(new Error('enough'))
        }
      }
      await expect(run()).rejects.toThrow('enough')
      expect(seen.length).toBeGreaterThan(0)
      expect(seen.length).toBeLessThan(30)
    })

    it('yields nothing when nothing matches', async () => {
      expect(await collect(ctx.driver(), ctx.key('nothing-here:*', true))).toEqual([])
    })

    it('refuses an empty pattern and a bad count', async () => {
      await expect(collect(ctx.driver(), '')).rejects.toBeInstanceOf(ValidationError)
      await expect(collect(ctx.driver(), '*', { count: 0 })).rejects.toBeInstanceOf(ValidationError)
    })
  })
}

async function collect(driver: Driver, match: string, options?: { count?: number }): Promise<string[][]> {
  const batches: string[][] = []
  for await (const batch of driver.scan(match, options)) batches.push(batch)
  return batches
}
