import { describe, expect, it, vi } from 'vitest'
import { Redis } from 'ioredis'
import { CircuitOpenError, CommandError, DriverError } from '../../src/core/errors/index.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { defineKeys } from '../../src/keys/index.js'
import { createCachekit } from '../../src/kit.js'
import { useOutage } from '../support/outage.js'
import { startRedisServer } from '../support/redis-server.js'
import { uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

const keys = defineKeys({ item: { template: 'item:{id}', ttl: '1h', grace: '1h' } })
const TIMEOUT_MS = 200

const outage = useOutage({ driver: { commandTimeoutMs: TIMEOUT_MS }, failOnUnhandled: true })

describe('one failure policy, through a real broken network', () => {
  const make = useKit(outage.target, { keys, breaker: { failureThreshold: 3, cooldownMs: 300 } })

  it('answers from the loader while Redis hangs, within the command timeout, and says an outage started', async () => {
    const kit = make()
    await kit.ready()
    await kit.cache.set(keys.item({ id: 0 }), 'warm')
    await outage.hang()
    const degraded = vi.fn()
    const outages = vi.fn()
    kit.events.on('degraded', degraded)
    kit.events.on('outage', outages)
    const started = Date.now()
    expect(await kit.cache.getOrSet(keys.item({ id: 1 }), async () => 'from loader')).toBe('from loader')
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 4 + 500)
    // The first call to fail starts it: the read, or the bus announcement of the write above if it was still on the wire.
    expect(outages).toHaveBeenCalledWith(expect.objectContaining({ state: 'started' }))
    expect(outages.mock.calls[0]?.[0].error).toBeInstanceOf(DriverError)
    expect(degraded).toHaveBeenCalledTimes(1)
  })

  it('says one outage started and one ended, with counts, instead of one event per request', async () => {
    const kit = make()
    await kit.ready()
    await kit.cache.set(keys.item({ id: 0 }), 'warm')
    await outage.cut()
    const degraded = vi.fn()
    const outages = vi.fn()
    kit.events.on('degraded', degraded)
    kit.events.on('outage', outages)
    for (let id = 1; id <= 50; id++) expect(await kit.cache.getOrSet(keys.item({ id }), async () => id)).toBe(id)
    await outage.restore()
    await vi.waitFor(
      async () => {
        await kit.cache.get(keys.item({ id: 0 }))
        expect(outages.mock.calls.map(([event]) => event.state)).toEqual(['started', 'ended'])
      },
      { timeout: 10_000, interval: 100 },
    )
    expect(degraded).toHaveBeenCalledTimes(1)
    const ended = outages.mock.calls[1]?.[0]
    expect(ended.durationMs).toBeGreaterThan(0)
    expect(ended.degraded.get).toBeGreaterThanOrEqual(50)
  })

  it('opens the circuit after repeated failures, so later calls cost no timeout at all', async () => {
    const kit = make()
    await kit.cache.set(keys.item({ id: 0 }), 'warm')
    await outage.hang()
    for (let id = 1; id <= 3; id++) await kit.cache.getOrSet(keys.item({ id }), async () => id)
    expect(kit.circuit).toBe('open')
    const refusals = vi.fn()
    kit.driver.get = new Proxy(kit.driver.get, {
      apply: (target, self, args) =>
        (Reflect.apply(target, self, args) as Promise<unknown>).catch((error: unknown) => {
          refusals(error)
          throw error
        }),
    })
    const started = Date.now()
    expect(await kit.cache.getOrSet(keys.item({ id: 9 }), async () => 9)).toBe(9)
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS)
    expect(refusals.mock.calls[0]?.[0]).toBeInstanceOf(CircuitOpenError)
  })

  it('closes the circuit again once Redis is back', async () => {
    const kit = make()
    const states: string[] = []
    kit.events.on('circuit', ({ state }) => states.push(state))
    await kit.cache.set(keys.item({ id: 0 }), 'warm')
    await outage.cut()
    for (let id = 1; id <= 3; id++) await kit.cache.getOrSet(keys.item({ id }), async () => id)
    expect(kit.circuit).toBe('open')
    await outage.restore()
    await vi.waitFor(
      async () => {
        await kit.cache.getOrSet(keys.item({ id: 5 }), async () => 5)
        expect(kit.circuit).toBe('closed')
      },
      { timeout: 10_000, interval: 100 },
    )
    // A probe (half-open) closes it; so may a call that was already in flight and succeeds.
    expect(states[0]).toBe('open')
    expect(states.at(-1)).toBe('closed')
    expect(states.every((state) => ['open', 'half-open', 'closed'].includes(state))).toBe(true)
    expect(await kit.cache.get(keys.item({ id: 5 }))).toBe(5)
  })

  it('drops writes while Redis is down, resolving false instead of throwing', async () => {
    const kit = make()
    await kit.cache.set(keys.item({ id: 0 }), 'warm')
    await outage.cut()
    const outages = vi.fn()
    kit.events.on('outage', outages)
    expect(await kit.cache.set(keys.item({ id: 1 }), 'lost')).toBe(false)
    expect(await kit.cache.delete(keys.item({ id: 1 }))).toBe(0)
    expect(outages).toHaveBeenCalledWith(expect.objectContaining({ state: 'started' }))
  })

  it('serves nothing stale from a dead Redis but still answers get as a miss', async () => {
    const kit = make()
    await kit.cache.set(keys.item({ id: 1 }), 'v')
    await outage.cut()
    expect(await kit.cache.get(keys.item({ id: 1 }))).toBeUndefined()
    expect(await kit.cache.has(keys.item({ id: 1 }))).toBe(false)
    expect(await kit.cache.getMany([keys.item({ id: 1 })])).toEqual([undefined])
  })

  it("rejects with the driver's error when asked to with onError: 'throw'", async () => {
    const kit = make()
    await kit.cache.set(keys.item({ id: 0 }), 'warm')
    await outage.cut()
    await expect(kit.cache.getOrSet(keys.item({ id: 1 }), async () => 1, { onError: 'throw' })).rejects.toBeInstanceOf(DriverError)
  })
})

describe('refused commands outside an outage (Redis out of memory)', () => {
  it('are reported at most once a second per operation, saying how many like them were held back', async () => {
    const server = await startRedisServer()
    const admin = new Redis(server.url)
    const kit = createCachekit({ driver: ioredisDriver({ url: server.url }), prefix: uniquePrefix(), keys })
    try {
      await kit.ready()
      await admin.config('SET', 'maxmemory-policy', 'noeviction')
      await admin.config('SET', 'maxmemory', '1')
      const degraded = vi.fn()
      const outages = vi.fn()
      kit.events.on('degraded', degraded)
      kit.events.on('outage', outages)
      for (let id = 0; id < 50; id++) expect(await kit.cache.set(keys.item({ id }), 'refused')).toBe(false)
      expect(degraded).toHaveBeenCalledTimes(1)
      expect(degraded.mock.calls[0]?.[0].error).toBeInstanceOf(CommandError)
      // Past the throttle window the next refusal is reported, with the count of those held back.
      await vi.waitFor(
        async () => {
          await kit.cache.set(keys.item({ id: 99 }), 'refused')
          expect(degraded).toHaveBeenCalledTimes(2)
        },
        { timeout: 5_000, interval: 100 },
      )
      expect(degraded.mock.calls[1]?.[0].suppressed).toBeGreaterThanOrEqual(49)
      // The server answered every call: no outage.
      expect(outages).not.toHaveBeenCalled()
    } finally {
      await kit.close()
      admin.disconnect()
      await server.stop()
    }
  })
})
