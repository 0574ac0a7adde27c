/**
 * The cache bus through real outages: a redis-server of this file's own that is killed
 * and restarted, and SIGSTOPped; a TCP proxy that cuts one instance's connections while
 * the others keep writing. Whatever the bus may have missed, L1 copies from before the gap
 * are not served afterwards, and a process that booted during the outage joins the bus.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { BusState } from '../../src/cache/bus.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { defineKeys, typed } from '../../src/keys/index.js'
import type { Cachekit } from '../../src/kit.js'
import { useOutage } from '../support/outage.js'
import { startUpstashServer } from '../support/upstash-server.js'
import { upstashDriver } from '../../src/drivers/upstash/index.js'
import { uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

const keys = defineKeys({ item: { template: 'item:{id}', ttl: '1h', value: typed<string>() } })
const HEARTBEAT_MS = 200

const outage = useOutage()
const kits = useKit(outage.target, { keys })
let raw: Redis

function make(url: string, prefix: string, l1 = true): Cachekit<typeof keys> {
  return kits({
    driver: ioredisDriver({ url, commandTimeoutMs: 300, subscriptionHeartbeatMs: HEARTBEAT_MS }),
    prefix,
    l1,
    breaker: { failureThreshold: 3, cooldownMs: 200 },
  })
}

/** Records the bus states a kit goes through. */
function busStates(kit: Cachekit<typeof keys>): BusState[] {
  const states: BusState[] = []
  kit.events.on('bus', ({ state }) => states.push(state))
  return states
}

/** Reads `id` on `kit` and says which tier answered. */
async function readWithTier(kit: Cachekit<typeof keys>, id: number): Promise<{ value: string; tier: string }> {
  let tier = 'loader'
  const onHit = ({ tier: hitTier }: { tier: string }) => (tier = hitTier)
  kit.events.on('hit', onHit)
  try {
    const value = await kit.cache.getOrSet(keys.item({ id }), async () => 'loaded')
    return { value, tier }
  } finally {
    kit.events.off('hit', onHit)
  }
}

/** Makes `kit` hold an L1 copy of `id`. */
async function holdInL1(kit: Cachekit<typeof keys>, id: number): Promise<void> {
  await vi.waitFor(async () => expect((await readWithTier(kit, id)).tier).toBe('l1'))
}

beforeAll(() => {
  raw = new Redis(outage.directUrl, { maxRetriesPerRequest: 1 })
  raw.on('error', () => undefined)
})
afterAll(() => {
  raw.disconnect()
})

describe('a process that boots while Redis is down', () => {
  it('is ready without waiting for Redis, and joins the bus once Redis is back', async () => {
    const prefix = uniquePrefix('boot')
    await outage.stopServer()
    const late = make(outage.directUrl, prefix)
    const states = busStates(late)
    await late.ready()
    const down = await late.monitor.health()
    expect(down.bus?.state).toBe('subscribing')
    expect(down.issues.map((issue) => issue.check)).toContain('bus')

    await outage.startServer()
    await vi.waitFor(async () => expect((await late.monitor.health()).bus?.state).toBe('active'), { timeout: 15_000, interval: 100 })
    const channel = `${late.namespace.prefix}__cachekit:bus`
    await vi.waitFor(async () => expect(await raw.pubsub('NUMSUB', channel)).toEqual([channel, 1]), { timeout: 5_000 })
    expect(states).toContain('active')

    // And it hears other instances: their writes drop its L1 copies.
    const writer = make(outage.directUrl, prefix, false)
    await writer.cache.set(keys.item({ id: 1 }), 'v1')
    await holdInL1(late, 1)
    await writer.cache.set(keys.item({ id: 1 }), 'v2')
    await vi.waitFor(async () => expect(await late.cache.get(keys.item({ id: 1 }))).toBe('v2'))
  })
})

describe('L1 copies from before a gap in the bus', () => {
  it('are not served once the cut connection is back, though the announcement was lost', async () => {
    const prefix = uniquePrefix('gap')
    const writer = make(outage.directUrl, prefix, false)
    const reader = make(outage.url, prefix)
    await Promise.all([writer.ready(), reader.ready()])
    const states = busStates(reader)
    await writer.cache.set(keys.item({ id: 1 }), 'before the gap')
    await holdInL1(reader, 1)

    await outage.cut()
    await vi.waitFor(() => expect(states).toContain('interrupted'))
    // Published while the reader is cut off: it never hears of it.
    await writer.cache.set(keys.item({ id: 1 }), 'written during the gap')
    await outage.restore()
    await vi.waitFor(() => expect(states.at(-1)).toBe('active'), { timeout: 10_000 })

    expect(await readWithTier(reader, 1)).toEqual({ value: 'written during the gap', tier: 'remote' })
  })

  it('are not served after Redis was killed and restarted empty', async () => {
    const prefix = uniquePrefix('restart')
    const writer = make(outage.directUrl, prefix, false)
    const reader = make(outage.directUrl, prefix)
    await Promise.all([writer.ready(), reader.ready()])
    const states = busStates(reader)
    await writer.cache.set(keys.item({ id: 2 }), 'before the restart')
    await holdInL1(reader, 2)

    await outage.stopServer()
    await outage.startServer()
    await vi.waitFor(() => expect(states.at(-1)).toBe('active'), { timeout: 10_000 })
    expect(states).toContain('interrupted')

    // Redis lost everything; the reader must not answer from its copy of the old world.
    expect((await readWithTier(reader, 2)).value).toBe('loaded')
  })

  it('stop being trusted within the heartbeat bound while Redis hangs (SIGSTOP), and again after it resumes', async () => {
    const prefix = uniquePrefix('hang')
    const writer = make(outage.directUrl, prefix, false)
    const reader = make(outage.directUrl, prefix)
    await Promise.all([writer.ready(), reader.ready()])
    const states = busStates(reader)
    await writer.cache.set(keys.item({ id: 3 }), 'before the hang')
    await holdInL1(reader, 3)

    const pausedAt = Date.now()
    await outage.pauseServer()
    await vi.waitFor(() => expect(states).toContain('interrupted'), { timeout: 10_000, interval: 20 })
    const detectedMs = Date.now() - pausedAt
    // Two heartbeat intervals (the beat's timeout) plus one tick, with room for a loaded machine.
    expect(detectedMs).toBeLessThan(HEARTBEAT_MS * 3 + 2_000)
    expect((await reader.monitor.health()).bus?.state).toBe('interrupted')

    await outage.resumeServer()
    await vi.waitFor(() => expect(states.at(-1)).toBe('active'), { timeout: 10_000 })
    // The health checks during the hang opened the circuit: wait out its cooldown. A copy
    // served from L1 would answer with tier 'l1' on every attempt.
    await vi.waitFor(async () => expect(await readWithTier(reader, 3)).toEqual({ value: 'before the hang', tier: 'remote' }), {
      timeout: 5_000,
    })
  })
})

describe('messages on the bus channel that are not bus messages', () => {
  it('are dropped and counted, and change nothing', async () => {
    const prefix = uniquePrefix('junk')
    const reader = make(outage.directUrl, prefix)
    const writer = make(outage.directUrl, prefix, false)
    await Promise.all([reader.ready(), writer.ready()])
    await writer.cache.set(keys.item({ id: 4 }), 'kept')
    await holdInL1(reader, 4)
    const channel = `${reader.namespace.prefix}__cachekit:bus`
    for (const junk of [
      'not json',
      '{"t":"clear"}',
      '{"o":"x","t":"del","k":[1,2]}',
      '{"o":"x","t":"tags","k":["t"],"m":"hard","at":"soon"}',
      '[1,2,3]',
      'null',
    ]) {
      await raw.publish(channel, junk)
    }
    await vi.waitFor(async () => expect((await reader.monitor.health()).bus?.dropped).toBe(6))
    expect(await readWithTier(reader, 4)).toEqual({ value: 'kept', tier: 'l1' })
  })
})

describe('a gap in an Upstash subscription (the REST protocol, Server-Sent Events)', () => {
  it('is reopened, and L1 copies from before it are not served', async () => {
    const upstash = await startUpstashServer({ redisUrl: outage.directUrl })
    try {
      const prefix = uniquePrefix('sse')
      const writer = make(outage.directUrl, prefix, false)
      const reader = kits({ driver: upstashDriver({ url: upstash.url, token: upstash.token, commandTimeoutMs: 2_000 }), prefix, l1: true })
      await Promise.all([writer.ready(), reader.ready()])
      const states = busStates(reader)
      await writer.cache.set(keys.item({ id: 5 }), 'before the gap')
      await holdInL1(reader, 5)

      await upstash.cut()
      await vi.waitFor(() => expect(states).toContain('interrupted'), { timeout: 10_000 })
      await writer.cache.set(keys.item({ id: 5 }), 'written during the gap')
      await upstash.restore()
      await vi.waitFor(() => expect(states.at(-1)).toBe('active'), { timeout: 15_000 })

      await vi.waitFor(async () => expect(await readWithTier(reader, 5)).toEqual({ value: 'written during the gap', tier: 'remote' }), {
        timeout: 5_000,
      })
    } finally {
      await upstash.stop()
    }
  })
})
