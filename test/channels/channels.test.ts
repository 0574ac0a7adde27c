import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { defineChannel } from '../../src/channels/define-channel.js'
import type { ChannelEvents } from '../../src/channels/events.js'
import { ValidationError } from '../../src/core/errors/index.js'
import type { Driver } from '../../src/drivers/driver.js'
import type { StandardSchemaV1 } from '../../src/keys/standard-schema.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

const Notification = z.object({ id: z.string(), text: z.string().min(1), at: z.date() })
const notifications = defineChannel('notifications', Notification)

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('channels on $name', (target) => {
  const kits = useKit(target, { label: 'chan' })
  const make = (driver?: Driver, prefix?: string) => kits({ driver, prefix })

  it('delivers typed messages, Dates included, to every subscriber', async () => {
    const kit = make()
    const first: unknown[] = []
    const second: { text: string; channel: string }[] = []
    await kit.channels.subscribe(notifications, (message) => first.push(message))
    await kit.channels.subscribe(notifications, (message, { channel }) => second.push({ text: message.text, channel }))
    const at = new Date('2024-03-01T12:00:00Z')
    await kit.channels.publish(notifications, { id: 'n1', text: 'New comment', at })
    await vi.waitFor(() => expect(second).toHaveLength(1))
    expect(first).toEqual([{ id: 'n1', text: 'New comment', at }])
    expect(second).toEqual([{ text: 'New comment', channel: 'notifications' }])
  })

  it('refuses to publish a message that fails the schema', async () => {
    const kit = make()
    const received: unknown[] = []
    await kit.channels.subscribe(notifications, (message) => received.push(message))
    await expect(kit.channels.publish(notifications, { id: 'n1', text: '', at: new Date() })).rejects.toBeInstanceOf(ValidationError)
    await kit.channels.publish(notifications, { id: 'n2', text: 'ok', at: new Date() })
    await vi.waitFor(() => expect(received).toHaveLength(1))
    expect(received).toEqual([expect.objectContaining({ id: 'n2' })])
  })

  it('drops received messages that fail the schema or cannot be decoded, reports them, and keeps delivering', async () => {
    const kit = make()
    const invalid: ChannelEvents['invalid'][] = []
    kit.channels.events.on('invalid', (event) => invalid.push(event))
    const received: string[] = []
    await kit.channels.subscribe(notifications, (message) => received.push(message.id))
    // Another service publishing on the same channel without the schema, and one publishing garbage.
    await kit.channels.publish('notifications', { id: 'bad', text: 42 })
    await kit.driver.publish(`${kit.namespace.prefix}__ch:notifications`, '{not json')
    await kit.channels.publish(notifications, { id: 'good', text: 'ok', at: new Date() })
    await vi.waitFor(() => expect(received).toEqual(['good']))
    expect(invalid).toEqual([
      expect.objectContaining({ channel: 'notifications', reason: 'schema', issues: expect.any(Array) }),
      expect.objectContaining({ channel: 'notifications', reason: 'corrupt' }),
    ])
  })

  it('reports failing handlers as events without disturbing other subscribers or later messages', async () => {
    const kit = make()
    const failures: ChannelEvents['handler-error'][] = []
    kit.channels.events.on('handler-error', (event) => failures.push(event))
    const received: string[] = []
    await kit.channels.subscribe('jobs', () => {
      throw new Error('sync failure')
    })
    await kit.channels.subscribe('jobs', async () => {
      throw new Error('async failure')
    })
    await kit.channels.subscribe('jobs', (message) => received.push(message as string))
    await kit.channels.publish('jobs', 'first')
    await kit.channels.publish('jobs', 'second')
    await vi.waitFor(() => expect(received).toEqual(['first', 'second']))
    await vi.waitFor(() => expect(failures).toHaveLength(4))
    expect(failures.map((failure) => (failure.error as Error).message).sort()).toEqual([
      'async failure',
      'async failure',
      'sync failure',
      'sync failure',
    ])
  })

  it('keeps per-user channels apart, whatever the user id holds', async () => {
    const kit = make()
    const inbox: Record<string, string[]> = { '1': [], 'a:*': [], '{b}': [] }
    for (const userId of Object.keys(inbox))
      await kit.channels.subscribe(notifications.of(userId), (message) => inbox[userId]?.push(message.id))
    await kit.channels.publish(notifications.of('a:*'), { id: 'for-a', text: 'hi', at: new Date() })
    await kit.channels.publish(notifications.of(1), { id: 'for-1', text: 'hi', at: new Date() })
    await vi.waitFor(() => expect(inbox['1']).toEqual(['for-1']))
    await vi.waitFor(() => expect(inbox['a:*']).toEqual(['for-a']))
    expect(inbox['{b}']).toEqual([])
    expect(notifications.of('a:*').name).toBe('notifications:a%3A%2A')
  })

  it('delivers in order, even through an asynchronous schema', async () => {
    const kit = make()
    const slowFirst = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: async (value: unknown) => {
          if (value === 0) await new Promise((resolve) => setTimeout(resolve, 30))
          return { value: value as number }
        },
      },
    }
    const counts = defineChannel('counts', slowFirst as StandardSchemaV1<number>)
    const received: number[] = []
    await kit.channels.subscribe(counts, (value) => received.push(value))
    for (let value = 0; value < 5; value++) await kit.channels.publish(counts, value)
    await vi.waitFor(() => expect(received).toHaveLength(5))
    expect(received).toEqual([0, 1, 2, 3, 4])
  })

  it('stops delivering after unsubscribe and after the kit closes', async () => {
    const driver = target.createDriver()
    const prefix = uniquePrefix('chan')
    const publisher = make(driver, prefix)
    const subscriber = make(driver, prefix)
    const kept: string[] = []
    const stopped: string[] = []
    await subscriber.channels.subscribe('news', (message) => kept.push(message as string))
    const unsubscribe = await subscriber.channels.subscribe('news', (message) => stopped.push(message as string))
    await publisher.channels.publish('news', 'one')
    await vi.waitFor(() => expect(stopped).toEqual(['one']))
    await unsubscribe()
    await unsubscribe()
    await publisher.channels.publish('news', 'two')
    await vi.waitFor(() => expect(kept).toEqual(['one', 'two']))
    expect(stopped).toEqual(['one'])
    expect(await publisher.channels.publish('news', 'three')).toBeGreaterThanOrEqual(0)
  })

  it('keeps namespaces apart on one server', async () => {
    const driver = target.createDriver()
    const [mine, theirs] = [make(driver, uniquePrefix('chan')), make(driver, uniquePrefix('chan'))]
    const received: string[] = []
    await mine.channels.subscribe('news', (message) => received.push(message as string))
    await theirs.channels.publish('news', 'not for you')
    await mine.channels.publish('news', 'for you')
    await vi.waitFor(() => expect(received).toEqual(['for you']))
  })

  it('refuses bad channel names and handlers with ValidationError', async () => {
    const kit = make()
    expect(() => defineChannel('')).toThrow(ValidationError)
    expect(() => defineChannel('news *')).toThrow(ValidationError)
    expect(() => defineChannel('news', {} as never)).toThrow(ValidationError)
    expect(() => notifications.of()).toThrow(ValidationError)
    await expect(kit.channels.subscribe('news', 'not a function' as never)).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.channels.publish('{tag}', 1)).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.channels.publish('news', () => 1)).rejects.toBeInstanceOf(ValidationError)
  })
})
