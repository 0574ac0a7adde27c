/**
 * What channels, flags, sessions and idempotency do while Redis is down and after it
 * comes back. A redis-server of this file's own is stopped and started again on the same
 * port (it comes back empty). The kits run without the circuit breaker so each call
 * shows the feature's own policy, not the breaker's cooldown.
 */
import { describe, expect, it, vi } from 'vitest'
import { DriverError } from '../../src/core/errors/index.js'
import { useOutage } from '../support/outage.js'
import { uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'
import { patience } from '../support/wait.js'

const outage = useOutage({ driver: { commandTimeoutMs: 1_000 } })
const make = useKit(outage.directTarget, { label: 'outage', breaker: false })

async function whileRedisIsDown(during: () => Promise<void>): Promise<void> {
  await outage.stopServer()
  try {
    await during()
  } finally {
    await outage.startServer()
  }
}

describe('while Redis is down', () => {
  it('flags answer their last loaded value, or the declared default if nothing was loaded, and never throw', async () => {
    const loaded = make({ flags: { defaults: { beta: false }, refresh: 50 } })
    await loaded.flags.set('beta', { enabled: true })
    const degraded: unknown[] = []
    loaded.events.on('degraded', (event) => degraded.push(event))
    await whileRedisIsDown(async () => {
      await loaded.flags.load()
      expect(loaded.flags.isEnabled('beta')).toBe(true)
      expect(degraded).toEqual([expect.objectContaining({ family: 'flags', operation: 'flags.load' })])
      const fresh = make({ flags: { defaults: { beta: false, 'search-v2': true } } })
      expect(await fresh.flags.check('beta')).toBe(false)
      expect(fresh.flags.isEnabled('search-v2')).toBe(true)
      await expect(loaded.flags.set('beta', { enabled: false })).rejects.toBeInstanceOf(DriverError)
      expect(loaded.flags.isEnabled('beta')).toBe(true)
    })
  })

  it('sessions reject with DriverError: the app answers "try again", never "logged out"', async () => {
    const kit = make()
    const token = await kit.sessions.create('u', {})
    await whileRedisIsDown(async () => {
      await expect(kit.sessions.get(token)).rejects.toBeInstanceOf(DriverError)
      await expect(kit.sessions.create('u', {})).rejects.toBeInstanceOf(DriverError)
      await expect(kit.sessions.destroyAll('u')).rejects.toBeInstanceOf(DriverError)
    })
  })

  it('idempotency rejects with DriverError and does not run the operation', async () => {
    const kit = make()
    const operation = vi.fn(() => 'charged')
    await whileRedisIsDown(async () => {
      await expect(kit.idempotency.run('order:1', operation)).rejects.toBeInstanceOf(DriverError)
    })
    expect(operation).not.toHaveBeenCalled()
  })
})

describe('after a Redis restart', () => {
  it('channel subscribers receive messages again (the ioredis driver resubscribes by itself)', async () => {
    const subscriber = make()
    const publisher = make({ prefix: subscriber.namespace.prefix.slice(0, -1) })
    const received: string[] = []
    await subscriber.channels.subscribe('news', (message) => received.push(message as string))
    await publisher.channels.publish('news', 'before')
    await vi.waitFor(() => expect(received).toEqual(['before']))

    await whileRedisIsDown(async () => {
      await expect(publisher.channels.publish('news', 'lost')).rejects.toBeInstanceOf(DriverError)
    })

    // The subscription comes back.
    await vi.waitFor(
      async () => {
        await publisher.channels.publish('news', 'after').catch(() => undefined)
        expect(received).toContain('after')
      },
      { ...patience, timeout: 15_000 },
    )
    expect(received[0]).toBe('before')
    expect(received).not.toContain('lost')
  })

  it('flags resubscribe too: an update reaches an instance that loaded before the restart', async () => {
    const prefix = uniquePrefix('outage')
    const reader = make({ prefix, flags: { refresh: '1h' } })
    await reader.flags.load()
    await whileRedisIsDown(async () => undefined)
    const writer = make({ prefix })
    // The flag update arrives.
    await vi.waitFor(
      async () => {
        await writer.flags.set('beta', { enabled: true, percentage: 100 }).catch(() => undefined)
        expect(reader.flags.isEnabled('beta')).toBe(true)
      },
      { ...patience, timeout: 15_000 },
    )
  })
})
