import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../core/errors/index.js'
import { waitFor, type SuiteContext } from '../context.js'

export function pubsubSuite(ctx: SuiteContext): void {
  describe('publish/subscribe', () => {
    it('publishes to nobody without error', async () => {
      expect(await ctx.driver().publish(ctx.key('nobody-listens'), 'hello')).toBe(0)
    })

    if (!ctx.options.capabilities.pubsub) return

    it('delivers messages in order to a subscriber until it unsubscribes', async () => {
      const channel = ctx.key('chan')
      const received: string[] = []
      const unsubscribe = await ctx.driver().subscribe(channel, (message, from) => {
        expect(from).toBe(channel)
        received.push(message)
      })
      for (const message of ['one', 'two', 'ünï 🎉', '']) await ctx.driver().publish(channel, message)
      await waitFor(() => received.length === 4, 'four messages')
      expect(received).toEqual(['one', 'two', 'ünï 🎉', ''])
      await unsubscribe()
      await unsubscribe()
      await ctx.driver().publish(channel, 'after')
      const marker = ctx.key('marker')
      const markers: string[] = []
      const stopMarker = await ctx.driver().subscribe(marker, (message) => markers.push(message))
      await ctx.driver().publish(marker, 'sync')
      await waitFor(() => markers.length === 1, 'the marker message')
      await stopMarker()
      expect(received).toEqual(['one', 'two', 'ünï 🎉', ''])
    })

    it('delivers to every subscriber, and one throwing handler does not starve the others', async () => {
      const channel = ctx.key('chan')
      const first: string[] = []
      const second: string[] = []
      const stops = [
        await ctx.driver().subscribe(channel, () => {
          throw new Error('handler failure (expected by the conformance suite)')
        }),
        await ctx.driver().subscribe(channel, (message) => first.push(message)),
        await ctx.driver().subscribe(channel, (message) => second.push(message)),
      ]
      await ctx.driver().publish(channel, 'fan-out')
      await waitFor(() => first.length === 1 && second.length === 1, 'both subscribers')
      await Promise.all(stops.map((stop) => stop()))
    })

    it('refuses an empty channel and a non-function handler', async () => {
      await expect(ctx.driver().subscribe('', () => undefined)).rejects.toBeInstanceOf(ValidationError)
      await expect(ctx.driver().subscribe(ctx.key('c'), 'nope' as never)).rejects.toBeInstanceOf(ValidationError)
      await expect(ctx.driver().publish(ctx.key('c'), 42 as never)).rejects.toBeInstanceOf(ValidationError)
      await expect(ctx.driver().subscribe(ctx.key('c'), () => undefined, { onStatus: 'nope' } as never)).rejects.toBeInstanceOf(
        ValidationError,
      )
      await expect(ctx.driver().subscribe(ctx.key('c'), () => undefined, 'nope' as never)).rejects.toBeInstanceOf(ValidationError)
    })

    it('takes an onStatus listener, and says nothing while delivery goes on', async () => {
      const channel = ctx.key('status')
      const statuses: string[] = []
      const received: string[] = []
      const unsubscribe = await ctx
        .driver()
        .subscribe(channel, (message) => received.push(message), { onStatus: (status) => statuses.push(status) })
      await ctx.driver().publish(channel, 'hello')
      await waitFor(() => received.length === 1, 'the message')
      await unsubscribe()
      expect(statuses).toEqual([])
    })
  })
}
