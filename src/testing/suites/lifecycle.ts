import { describe, expect, it } from 'vitest'
import { DriverClosedError, ValidationError } from '../../core/errors/index.js'
import type { Driver } from '../../drivers/driver.js'
import type { SuiteContext } from '../context.js'

type Call = [name: string, run: (driver: Driver) => Promise<unknown>]

export function lifecycleSuite(ctx: SuiteContext): void {
  describe('capabilities and health', () => {
    it('declares its name and the expected capabilities', () => {
      expect(ctx.driver().name).toMatch(/^\S+$/)
      expect({ ...ctx.driver().capabilities }).toEqual({ ...ctx.options.capabilities })
    })

    it('answers ping with a round-trip time in milliseconds', async () => {
      const rtt = await ctx.driver().ping()
      expect(typeof rtt).toBe('number')
      expect(rtt).toBeGreaterThanOrEqual(0)
      expect(rtt).toBeLessThan(5_000)
    })

    it('reports memory figures in INFO format', async () => {
      expect(await ctx.driver().info('memory')).toMatch(/^used_memory:\d+\r?$/m)
    })
  })

  describe('bad input', () => {
    const badKeys: unknown[] = ['', 42, undefined, null, {}, ['a'], 'lone \ud800 surrogate']
    const keyCalls: Array<[string, (driver: Driver, key: never) => Promise<unknown>]> = [
      ['get', (d, k) => d.get(k)],
      ['set', (d, k) => d.set(k, 'v')],
      ['mget', (d, k) => d.mget([k])],
      ['del', (d, k) => d.del([k])],
      ['pttl', (d, k) => d.pttl(k)],
      ['incrBy', (d, k) => d.incrBy(k, 1)],
      ['hset', (d, k) => d.hset(k, { f: 'v' })],
      ['sadd', (d, k) => d.sadd(k, ['m'])],
      ['zadd', (d, k) => d.zadd(k, [{ member: 'm', score: 1 }])],
    ]

    it.each(keyCalls)('%s refuses bad keys with ValidationError (a rejected promise, never a throw)', async (_, call) => {
      for (const key of badKeys) {
        let promise: Promise<unknown> | undefined
        expect(() => {
          promise = call(ctx.driver(), key as never)
        }).not.toThrow()
        await expect(promise).rejects.toBeInstanceOf(ValidationError)
      }
    })

    it.each([42, undefined, null, { a: 1 }, new Uint8Array([1]), 'lone \udc00 surrogate'])(
      'set refuses the non-string or malformed value %s and writes nothing',
      async (value) => {
        const key = ctx.key('v')
        await expect(ctx.driver().set(key, value as never)).rejects.toBeInstanceOf(ValidationError)
        expect(await ctx.driver().exists([key])).toBe(0)
      },
    )

    it('refuses lists that are not arrays', async () => {
      await expect(ctx.driver().mget('a' as never)).rejects.toBeInstanceOf(ValidationError)
      await expect(ctx.driver().del(undefined as never)).rejects.toBeInstanceOf(ValidationError)
      await expect(ctx.driver().sadd(ctx.key('s'), 'm' as never)).rejects.toBeInstanceOf(ValidationError)
    })
  })

  describe('close', () => {
    it('refuses every call after close with DriverClosedError, and closes idempotently', async () => {
      const driver = await ctx.options.createDriver()
      await driver.set(ctx.key('k'), 'v')
      await driver.close()
      await driver.close()
      const calls: Call[] = [
        ['get', (d) => d.get(ctx.key('k'))],
        ['set', (d) => d.set(ctx.key('k'), 'v')],
        ['ping', (d) => d.ping()],
        ['publish', (d) => d.publish(ctx.key('c'), 'm')],
        [
          'scan',
          async (d) => {
            for await (const batch of d.scan('*')) return batch
            return []
          },
        ],
      ]
      for (const [, call] of calls) await expect(call(driver)).rejects.toBeInstanceOf(DriverClosedError)
      // Closing one driver leaves the others working.
      await ctx.driver().set(ctx.key('still-open'), 'yes')
      expect(await ctx.driver().get(ctx.key('still-open'))).toBe('yes')
    })
  })
}
