/**
 * The memory guard on the memory driver (exact byte accounting, so exact ratios), on a
 * real Redis and on a real 3-master cluster (eviction by SCAN on every master).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ValidationError } from '../../src/core/errors/index.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { nextState, resolveGuardOptions, type GuardState } from '../../src/guard/index.js'
import { defineKeys } from '../../src/keys/index.js'
import { createCachekit } from '../../src/kit.js'
import { freePort } from '../support/redis-process.js'
import { targets } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

const keys = defineKeys({
  report: { template: 'report:{id}', ttl: '1h', priority: 'low' },
  reportMeta: { template: 'report:{id}:meta', ttl: '1h' },
  page: { template: 'page:{slug}', ttl: '1h' },
  user: { template: 'user:{id}', ttl: '1h', priority: 'high' },
})

type Kit = ReturnType<typeof createCachekit<typeof keys>>
const make = useKit('memory', { label: 'guard', keys })

afterEach(() => {
  vi.useRealTimers()
})

/** The memory driver's accounting: 64 bytes per entry plus 2 per character of key and value. */
async function fillTo(kit: Kit, ratio: number): Promise<void> {
  const limit = (await kit.guard.check()).usage?.limitBytes as number
  for (let i = 0; ; i++) {
    const usage = (await kit.guard.check()).usage
    if ((usage?.ratio ?? 0) >= ratio) return
    await kit.driver.set(`filler:${i}`, 'x'.repeat(Math.max(1, Math.floor((limit * 0.01) / 2))))
  }
}

describe('state machine', () => {
  const thresholds = { warnAt: 0.8, criticalAt: 0.9, hysteresis: 0.05 }
  it.each<[GuardState, number | null, GuardState]>([
    ['ok', 0.79, 'ok'],
    ['ok', 0.8, 'warn'],
    ['ok', 0.95, 'critical'],
    ['warn', 0.76, 'warn'],
    ['warn', 0.74, 'ok'],
    ['critical', 0.86, 'critical'],
    ['critical', 0.84, 'warn'],
    ['critical', 0.5, 'ok'],
    ['critical', null, 'ok'],
  ])('from %s at %s goes to %s (hysteresis 0.05)', (state, ratio, expected) => {
    expect(nextState(state, ratio, thresholds)).toBe(expected)
  })

  it('refuses thresholds that make no sense', () => {
    expect(() => resolveGuardOptions({ warnAt: 0.9, criticalAt: 0.8 })).toThrow(ValidationError)
    expect(() => resolveGuardOptions({ warnAt: 1.5 })).toThrow(ValidationError)
    expect(() => resolveGuardOptions({ budget: '20 parsecs' })).toThrow(ValidationError)
    expect(() => resolveGuardOptions({ batchSize: 0 })).toThrow(ValidationError)
    expect(() => createCachekit({ guard: { interval: -1 } })).toThrow(ValidationError)
    expect(resolveGuardOptions({ budget: '20mb' }).budgetBytes).toBe(20 * 1024 * 1024)
  })
})

describe('on the memory driver (its byte accounting)', () => {
  it('reads the driver maxBytes as maxmemory and moves ok -> warn -> critical -> ok with events', async () => {
    const kit = make({ driver: memoryDriver({ maxBytes: 200_000 }) })
    const states: string[] = []
    kit.guard.events.on('state', (event) => states.push(`${event.previous}->${event.state}`))
    const first = await kit.guard.check()
    expect(first.usage).toMatchObject({ limitBytes: 200_000, limitSource: 'maxmemory' })
    expect(first.state).toBe('ok')
    await fillTo(kit, 0.82)
    expect(kit.guard.state).toBe('warn')
    await fillTo(kit, 0.92)
    expect(kit.guard.state).toBe('critical')
    for (let i = 0; i < 10_000; i++) await kit.driver.del([`filler:${i}`])
    expect((await kit.guard.check()).state).toBe('ok')
    expect(states).toEqual(['ok->warn', 'warn->critical', 'critical->ok'])
  })

  it('skips low-priority writes at warn and all but high-priority writes at critical, counting them', async () => {
    const kit = make({ driver: memoryDriver({ maxBytes: 200_000 }) })
    await fillTo(kit, 0.82)
    expect(await kit.cache.set(keys.report({ id: 1 }), 'r')).toBe(false)
    expect(await kit.cache.set(keys.page({ slug: 'home' }), 'p')).toBe(true)
    expect(await kit.cache.set(keys.user({ id: 1 }), 'u')).toBe(true)
    await fillTo(kit, 0.92)
    expect(await kit.cache.set(keys.page({ slug: 'about' }), 'p')).toBe(false)
    expect(await kit.cache.set(keys.user({ id: 2 }), 'u')).toBe(true)
    expect(await kit.driver.exists([kit.cache.keyOf(keys.report({ id: 1 })), kit.cache.keyOf(keys.page({ slug: 'about' }))])).toBe(0)
    expect(kit.guard.status().skippedWrites).toEqual({ report: 1, page: 1 })
  })

  it('lets a skipped getOrSet answer from its loader and leaves no lease behind', async () => {
    const kit = make({ driver: memoryDriver({ maxBytes: 200_000 }) })
    await fillTo(kit, 0.82)
    const loader = vi.fn(async () => 'fresh')
    expect(await kit.cache.getOrSet(keys.report({ id: 9 }), loader)).toBe('fresh')
    expect(await kit.cache.getOrSet(keys.report({ id: 9 }), loader)).toBe('fresh')
    expect(loader).toHaveBeenCalledTimes(2)
    await vi.waitFor(async () => expect(await kit.driver.exists([kit.cache.keyOf(keys.report({ id: 9 }))])).toBe(0))
  })

  it('uses a budget where the driver has no limit, and warns about the missing limit otherwise', async () => {
    const unlimited = make({ driver: memoryDriver() })
    const noLimit = await unlimited.guard.check()
    expect(noLimit.usage).toMatchObject({ limitBytes: null, ratio: null, limitSource: 'none' })
    expect((await unlimited.guard.checkConfiguration()).map((warning) => warning.check)).toEqual(['no-maxmemory'])

    const budgeted = make({ driver: memoryDriver(), guard: { budget: 10_000, interval: '1h' } })
    await budgeted.driver.set('filler', 'x'.repeat(4_500))
    const report = await budgeted.guard.check()
    expect(report.usage).toMatchObject({ limitBytes: 10_000, limitSource: 'budget' })
    expect(report.state).toBe('critical')
    expect(await budgeted.guard.checkConfiguration()).toEqual([])
  })

  it('checks on its interval, never keeps running after kit.close()', async () => {
    vi.useFakeTimers()
    const kit = make({ driver: memoryDriver(), guard: { interval: '10s', budget: '1mb' } })
    await vi.waitFor(() => expect(kit.guard.status().checks).toBe(1))
    expect(kit.guard.status().running).toBe(true)
    await vi.advanceTimersByTimeAsync(30_000)
    expect(kit.guard.status().checks).toBe(4)
    await kit.close()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(kit.guard.status()).toMatchObject({ checks: 4, running: false })
  })
})

describe.each(targets('redis', 'cluster'))('eviction on $name', ({ name, createDriver }) => {
  /** A budget that puts the fullest node at `ratio` (shared servers move a little; the ratios used are far from the lines). */
  async function budgetFor(kit: Kit, ratio: number): Promise<number> {
    const usage = (await kit.guard.check()).usage
    return Math.round((usage?.usedBytes as number) / ratio)
  }

  async function seed(kit: Kit, reports: number): Promise<void> {
    await Promise.all(Array.from({ length: reports }, (_, id) => kit.cache.set(keys.report({ id }), `report ${id}`)))
    await Promise.all(Array.from({ length: 5 }, (_, id) => kit.cache.set(keys.reportMeta({ id }), `meta ${id}`)))
    await Promise.all(Array.from({ length: 5 }, (_, id) => kit.cache.set(keys.user({ id }), `user ${id}`)))
    await kit.cache.set(keys.page({ slug: 'home' }), 'home')
  }

  async function count(kit: Kit, pattern: string): Promise<number> {
    let found = 0
    for await (const page of kit.driver.scan(kit.namespace.pattern(pattern))) found += page.length
    return found
  }

  it('at critical deletes every key of the low-priority families in bounded batches, and nothing else', async () => {
    const probe = make({ driver: createDriver() })
    await seed(probe, 250)
    const kit = make({
      driver: createDriver(),
      prefix: probe.namespace.prefix.slice(0, -1),
      guard: { budget: await budgetFor(probe, 2), interval: '1h', batchSize: 100 },
    })
    const evicted = vi.fn()
    kit.guard.events.on('evicted', evicted)
    const report = await kit.guard.check()
    expect(report.state).toBe('critical')
    expect(report.eviction).toMatchObject({ total: 250, byFamily: { report: 250 }, batches: 3, complete: true })
    expect(await count(kit, 'report:*')).toBe(5)
    expect(await count(kit, 'report:*:meta')).toBe(5)
    expect(await count(kit, 'user:*')).toBe(5)
    expect(await count(kit, 'page:*')).toBe(1)
    expect(kit.guard.status().evictedKeys).toEqual({ report: 250 })
    expect(evicted).toHaveBeenCalledTimes(1)
  })

  it('stops an eviction run at maxEvictions and reports it incomplete', async () => {
    const probe = make({ driver: createDriver() })
    await seed(probe, 120)
    const kit = make({
      driver: createDriver(),
      prefix: probe.namespace.prefix.slice(0, -1),
      guard: { budget: await budgetFor(probe, 2), interval: '1h', batchSize: 30, maxEvictions: 50 },
    })
    const report = await kit.guard.check()
    expect(report.eviction).toMatchObject({ total: 50, complete: false })
    expect(await count(kit, 'report:*')).toBe(120 + 5 - 50)
  })

  it('does not evict at warn', async () => {
    const probe = make({ driver: createDriver() })
    await seed(probe, 10)
    const kit = make({
      driver: createDriver(),
      prefix: probe.namespace.prefix.slice(0, -1),
      guard: { budget: await budgetFor(probe, 0.5), warnAt: 0.2, criticalAt: 0.99, interval: '1h' },
    })
    const report = await kit.guard.check()
    expect(report.state).toBe('warn')
    expect(report.eviction).toBeNull()
    expect(await count(kit, 'report:*')).toBe(15)
  })

  it('judges the fullest node', async () => {
    const kit = make({ driver: createDriver() })
    const usage = (await kit.guard.check()).usage
    const nodes = (await kit.driver.info('memory'))
      .split('\n')
      .filter((line) => line.startsWith('used_memory:'))
      .map((line) => Number(line.split(':')[1]))
    expect(usage?.nodes).toBe(nodes.length)
    expect(usage?.nodes).toBe(name === 'cluster' ? 3 : 1)
    // Figures move between two INFO calls on a shared server: compare within 10%.
    expect(usage?.usedBytes).toBeGreaterThan(Math.max(...nodes) * 0.9)
  })
})

describe('configuration checks on a dedicated Redis', () => {
  it('warns about noeviction with a maxmemory, and about cache keys without TTL', async () => {
    const { startRedisProcess } = await import('../support/redis-process.js')
    const server = await startRedisProcess({ args: ['--maxmemory', '20mb', '--maxmemory-policy', 'noeviction'] })
    try {
      const kit = make({ driver: ioredisDriver({ url: server.url }) })
      await kit.cache.set(keys.page({ slug: 'ok' }), 'fine')
      await kit.driver.set(kit.namespace.key('page:forever'), 'no ttl')
      await kit.driver.set(kit.namespace.key('__rl:{x}'), 'feature keys are not judged')
      const warnings = await kit.guard.checkConfiguration()
      expect(warnings.map((warning) => warning.check)).toEqual(['noeviction', 'no-ttl'])
      expect(warnings[1]).toMatchObject({ count: 1, sampled: 2, examples: [kit.namespace.key('page:forever')] })
      expect((await kit.guard.check()).usage).toMatchObject({ maxmemory: 20 * 1024 * 1024, limitSource: 'maxmemory', policy: 'noeviction' })
    } finally {
      await server.stop()
    }
  })
})

describe('when Redis is away', () => {
  it('keeps its state, reports the failure and never rejects', async () => {
    const port = await freePort()
    const kit = make({
      driver: ioredisDriver({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 200, connectTimeoutMs: 200 }),
      breaker: false,
    })
    const failed = vi.fn()
    kit.guard.events.on('check-failed', failed)
    const report = await kit.guard.check()
    expect(report).toMatchObject({ state: 'ok', usage: null, eviction: null })
    expect(report.error).toMatch(/^[A-Z_]+: /)
    expect(failed).toHaveBeenCalledTimes(1)
    expect(kit.guard.admit('report', 'low')).toBe(true)
  })
})
