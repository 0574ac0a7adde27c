/**
 * kit.monitor.health(), kit.monitor.metrics(), the slow log and key distribution, against the memory
 * driver, a real Redis, the real 3-master cluster and the Upstash stand-in.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { ValidationError } from '../../src/core/errors/index.js'
import type { Driver } from '../../src/drivers/driver.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { defineKeys } from '../../src/keys/index.js'
import { createCachekit } from '../../src/kit.js'
import { parseInfo } from '../../src/monitor/index.js'
import { keyProbe } from '../../src/scripts/key-probe.js'
import { freePort, startRedisProcess, type RedisProcess } from '../support/redis-process.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

const keys = defineKeys({
  video: { template: 'video:{id}', ttl: '1h' },
  list: { template: 'videos:list:{page}', ttl: '5m', priority: 'low' },
})

type Kit = ReturnType<typeof createCachekit<typeof keys>>
const kits = useKit('memory', { label: 'mon', keys })
const make = (driver: Driver, options: Omit<Parameters<typeof createCachekit<typeof keys>>[0], 'driver'> = {}): Kit =>
  kits({ ...options, driver })

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('metrics and health on $name', ({ name, createDriver }) => {
  it('reports parsed INFO, cache stats per family and driver call figures', async () => {
    const kit = make(createDriver())
    await kit.cache.getOrSet(keys.video({ id: 1 }), () => 'one')
    await kit.cache.getOrSet(keys.video({ id: 1 }), () => 'one')
    await kit.cache.getOrSet(keys.list({ page: 1 }), () => ['one'])
    const metrics = await kit.monitor.metrics()
    expect(metrics.serverError).toBeNull()
    expect(metrics.server?.version).toMatch(/^\d+\.\d+/)
    expect(metrics.server?.mode).toBe(name === 'cluster' ? 'cluster' : 'standalone')
    expect(metrics.server?.nodes).toHaveLength(name === 'cluster' ? 3 : 1)
    expect(metrics.server?.totals.keys).toBeGreaterThanOrEqual(2)
    expect(metrics.memory?.usedBytes).toBeGreaterThan(0)
    expect(metrics.cache.families.video).toMatchObject({ hits: 1, misses: 1, loads: 1 })
    expect(metrics.cache.totals).toMatchObject({ hits: 1, misses: 2, loads: 2, hitRate: 1 / 3 })
    expect(metrics.driverCalls.byCommand.get?.calls).toBeGreaterThanOrEqual(2)
    expect(metrics.driverCalls.errors).toBe(0)
    expect(metrics.circuit).toBe('closed')
    expect(metrics.guard.state).toBe('ok')
    if (name !== 'memory') {
      expect(metrics.server?.totals.uptimeSeconds).toBeGreaterThanOrEqual(0)
      expect(metrics.server?.totals.connectedClients).toBeGreaterThan(0)
      expect(metrics.server?.totals.keyspaceHits).toBeGreaterThan(0)
    }
  })

  it('answers healthy with ping latency, the server version and no issues', async () => {
    const kit = make(createDriver())
    const health = await kit.monitor.health()
    expect(health).toMatchObject({ status: 'healthy', circuit: 'closed', guard: 'ok', issues: [] })
    expect(health.driver.name).toBe(name === 'upstash' ? 'upstash' : name === 'memory' ? 'memory' : 'ioredis')
    expect(health.driver.server).toMatch(name === 'memory' ? /^cachekit memory driver$/ : /^redis \d+\.\d+/)
    expect(health.driver.pingMs).toBeGreaterThanOrEqual(0)
  })

  it('reads the slow log of every node through a script', async () => {
    const kit = make(createDriver())
    const log = await kit.monitor.slowlog(5)
    expect(log.supported).toBe(true)
    expect(log.nodesRead).toBe(name === 'cluster' ? 3 : 1)
    expect(log.entries.length).toBeLessThanOrEqual(5)
  })

  it('reports keys and memory per family from a bounded sample', async () => {
    const kit = make(createDriver())
    await Promise.all(Array.from({ length: 40 }, (_, id) => kit.cache.set(keys.video({ id }), { id, title: 'x'.repeat(100) })))
    await Promise.all(Array.from({ length: 10 }, (_, page) => kit.cache.set(keys.list({ page }), [page])))
    await kit.driver.set(kit.namespace.key('legacy:1'), 'no ttl')
    const report = await kit.monitor.keyDistribution({ sample: 20 })
    expect(report).toMatchObject({ scanned: 51, sampled: 20, complete: true })
    const byFamily = Object.fromEntries(report.families.map((family) => [family.family, family]))
    expect(byFamily.video?.keys).toBe(40)
    expect(byFamily.list?.keys).toBe(10)
    expect(byFamily.legacy?.keys).toBe(1)
    expect(report.families.reduce((sum, family) => sum + family.sampled, 0)).toBe(20)
    expect(byFamily.video?.types).toEqual(['string'])
    expect(byFamily.video?.avgBytes).toBeGreaterThan(100)
    expect(byFamily.video?.estimatedBytes).toBe(Math.round((byFamily.video?.avgBytes ?? 0) * 40))
    expect(byFamily.video?.avgTtlMs).toBeGreaterThan(3_000_000)
    expect(report.families[0]?.family).toBe('video')

    const videosOnly = await kit.monitor.keyDistribution({ family: 'video', sample: 5 })
    expect(videosOnly.families.map((family) => [family.family, family.keys])).toEqual([['video', 40]])
    const bounded = await kit.monitor.keyDistribution({ maxScan: 7 })
    expect(bounded).toMatchObject({ scanned: 7, complete: false })
  })
})

describe('health issues', () => {
  it('warns about a low hit rate once enough reads happened', async () => {
    const kit = make(memoryDriver(), { health: { hitRate: 0.7, minReads: 10 } })
    for (let id = 0; id < 9; id++) await kit.cache.getOrSet(keys.video({ id }), () => id)
    expect((await kit.monitor.health()).issues).toEqual([])
    await kit.cache.getOrSet(keys.video({ id: 0 }), () => 0)
    const health = await kit.monitor.health()
    expect(health.status).toBe('degraded')
    expect(health.hitRate).toBeCloseTo(0.1)
    expect(health.issues).toEqual([expect.objectContaining({ check: 'hit-rate', severity: 'warning', value: 0.1, threshold: 0.7 })])
  })

  it('warns about memory above the line and is unhealthy once the guard is critical', async () => {
    const kit = make(memoryDriver(), { guard: { budget: 20_000, interval: '1h' }, health: { memory: 0.85 } })
    await kit.driver.set('filler', 'x'.repeat(9_000))
    await kit.guard.check()
    const health = await kit.monitor.health()
    expect(health.status).toBe('unhealthy')
    expect(health.memory).toMatchObject({ limitBytes: 20_000, limitSource: 'budget' })
    expect(health.issues.map((issue) => [issue.check, issue.severity])).toEqual([
      ['memory', 'warning'],
      ['guard', 'critical'],
    ])
  })

  it('judges p99 latency and the error rate of recent driver calls', async () => {
    const kit = make(memoryDriver(), { health: { p99LatencyMs: 0, minCalls: 5 } })
    for (let i = 0; i < 5; i++) await kit.driver.set(`k${i}`, 'x'.repeat(100_000))
    const health = await kit.monitor.health()
    expect(health.latency.calls).toBeGreaterThanOrEqual(5)
    expect(health.issues.map((issue) => issue.check)).toEqual(['latency'])
  })

  it('is unhealthy when the server does not answer, and never rejects', async () => {
    const port = await freePort()
    const kit = make(ioredisDriver({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 100, connectTimeoutMs: 100 }), {
      breaker: false,
      // Latency is not what this test judges (a loaded machine can push p99 past 100 ms).
      health: { minCalls: 3, p99LatencyMs: 60_000 },
    })
    for (let i = 0; i < 3; i++) await kit.cache.get(keys.video({ id: i }))
    // The bus's first subscribe attempt has failed by then: it retries with backoff.
    await kit.ready()
    const health = await kit.monitor.health()
    expect(health.status).toBe('unhealthy')
    expect(health.driver.pingMs).toBeNull()
    expect(health.memory).toBeNull()
    expect(health.errorRate).toBe(1)
    expect(health.issues.map((issue) => [issue.check, issue.severity])).toEqual([
      ['ping', 'critical'],
      ['bus', 'warning'],
      ['error-rate', 'warning'],
    ])
    expect(health.bus).toMatchObject({ state: 'subscribing', lastError: expect.stringMatching(/^DRIVER_/) })
    expect(JSON.stringify(health)).not.toContain(String(port))
    const metrics = await kit.monitor.metrics()
    expect(metrics.serverError).toMatch(/^[A-Z_]+$/)
    expect(metrics.events.some((event) => event.type === 'degraded')).toBe(true)
  })

  it('reports an open circuit as critical', async () => {
    const port = await freePort()
    const kit = make(ioredisDriver({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 100, connectTimeoutMs: 100 }), {
      breaker: { failureThreshold: 1, cooldownMs: 60_000 },
    })
    await kit.cache.get(keys.video({ id: 1 }))
    expect(kit.circuit).toBe('open')
    const health = await kit.monitor.health()
    expect(health.issues).toContainEqual(expect.objectContaining({ check: 'circuit', severity: 'critical' }))
    expect((await kit.monitor.metrics()).events).toContainEqual(
      expect.objectContaining({ type: 'circuit', severity: 'critical', message: 'circuit closed -> open' }),
    )
  })

  it('refuses thresholds that are not fractions', () => {
    expect(() => createCachekit({ health: { hitRate: 70 } })).toThrow(ValidationError)
    expect(() => createCachekit({ health: { p99LatencyMs: -1 } })).toThrow(ValidationError)
  })
})

describe('feature metrics', () => {
  it('registers labelled counters that metrics() reads on demand, and refuses bad names', async () => {
    const kit = make(memoryDriver())
    let denied = 0
    const unregister = kit.monitor.register({
      name: 'app_exports_denied_total',
      help: 'Denied exports.',
      type: 'counter',
      labelNames: ['policy'],
      collect: () => [{ labels: { policy: 'export' }, value: denied }],
    })
    denied = 3
    const app = (features: Awaited<ReturnType<typeof kit.monitor.metrics>>['features']) =>
      features.filter((metric) => metric.name.startsWith('app_'))
    expect(app((await kit.monitor.metrics()).features)).toEqual([
      {
        name: 'app_exports_denied_total',
        help: 'Denied exports.',
        type: 'counter',
        labelNames: ['policy'],
        samples: [{ labels: { policy: 'export' }, value: 3 }],
      },
    ])
    expect(() =>
      kit.monitor.register({ name: 'app_exports_denied_total', help: '', type: 'counter', labelNames: [], collect: () => [] }),
    ).toThrow(ValidationError)
    expect(() => kit.monitor.register({ name: 'bad name', help: '', type: 'counter', labelNames: [], collect: () => [] })).toThrow(
      ValidationError,
    )
    unregister()
    expect(app((await kit.monitor.metrics()).features)).toEqual([])
  })
})

describe('the slow log', () => {
  let server: RedisProcess

  beforeAll(async () => {
    server = await startRedisProcess({ args: ['--slowlog-log-slower-than', '0', '--slowlog-max-len', '64'] })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('returns the newest entries with their commands', async () => {
    const kit = make(ioredisDriver({ url: server.url }))
    await kit.cache.set(keys.video({ id: 7 }), 'seven')
    const log = await kit.monitor.slowlog(3)
    expect(log).toMatchObject({ supported: true, nodesRead: 1, nodes: 1 })
    expect(log.entries).toHaveLength(3)
    expect(log.entries[0]?.at).toBeGreaterThanOrEqual(log.entries[2]?.at ?? 0)
    const commands = log.entries.map((entry) => entry.command[0]?.toLowerCase())
    expect(commands.some((command) => command === 'set' || command === 'evalsha')).toBe(true)
    await expect(kit.monitor.slowlog(0)).rejects.toBeInstanceOf(ValidationError)
  })

  it('reads every master of the cluster', async () => {
    const nodes = inject('clusterNodes')
    const raw = nodes.map((node) => new Redis({ host: node.host, port: node.port, lazyConnect: false }))
    try {
      await Promise.all(raw.map((client) => client.config('SET', 'slowlog-log-slower-than', '0')))
      const kit = make(ioredisDriver({ cluster: nodes }))
      await Promise.all(Array.from({ length: 30 }, (_, id) => kit.cache.set(keys.video({ id }), id)))
      const log = await kit.monitor.slowlog(100)
      expect(log).toMatchObject({ supported: true, nodesRead: 3, nodes: 3 })
      expect(new Set(log.entries.map((entry) => entry.nodeId)).size).toBe(3)
    } finally {
      await Promise.all(raw.map((client) => client.config('SET', 'slowlog-log-slower-than', '10000')))
      await Promise.all(raw.map((client) => client.quit()))
    }
  })
})

describe('INFO parsing', () => {
  it('keeps the nodes of a cluster apart', async () => {
    const driver = ioredisDriver({ cluster: inject('clusterNodes') })
    try {
      const nodes = parseInfo(await driver.info('memory'))
      expect(nodes).toHaveLength(3)
      expect(nodes.every((node) => /^127\.0\.0\.1:\d+$/.test(node.node ?? '') && Number(node.sections.memory?.used_memory) > 0)).toBe(true)
    } finally {
      await driver.close()
    }
  })

  it('reads sections and fields of one server', () => {
    const [node] = parseInfo('# Server\r\nredis_version:7.2.4\r\n\r\n# Keyspace\r\ndb0:keys=3,expires=1,avg_ttl=500\r\n')
    expect(node).toEqual({
      node: undefined,
      sections: { server: { redis_version: '7.2.4' }, keyspace: { db0: 'keys=3,expires=1,avg_ttl=500' } },
    })
  })
})

describe('the key-probe script', () => {
  it('agrees on type and TTL between Redis and the memory driver; bytes are estimates on the memory driver', async () => {
    const redis = ioredisDriver({ url: inject('redisUrl') })
    const memory = memoryDriver()
    const key = `{${uniquePrefix('probe')}}:k`
    try {
      for (const driver of [redis, memory]) {
        await driver.set(key, 'hello', { ttlMs: 60_000 })
        await driver.hset(`${key}:h`, { a: '1' })
      }
      const probe = async (driver: Driver, name: string) => driver.eval(keyProbe, [name], [])
      for (const name of [key, `${key}:h`]) {
        const [fromRedis, fromMemory] = [await probe(redis, name), await probe(memory, name)]
        expect(fromMemory?.type).toBe(fromRedis?.type)
        expect(Math.sign(fromMemory?.pttlMs ?? 0)).toBe(Math.sign(fromRedis?.pttlMs ?? 0))
        expect(fromRedis?.bytes).toBeGreaterThan(0)
        expect(fromMemory?.bytes).toBeGreaterThan(0)
      }
      expect(await probe(redis, `${key}:missing`)).toBeNull()
      expect(await probe(memory, `${key}:missing`)).toBeNull()
    } finally {
      await redis.del([key, `${key}:h`])
      await Promise.all([redis.close(), memory.close()])
    }
  })
})

describe('driver measurements', () => {
  it('count refused commands as answered, not as failures', async () => {
    const kit = make(memoryDriver())
    await kit.driver.hset('h', { a: '1' })
    await expect(kit.driver.get('h')).rejects.toThrow()
    const calls = (await kit.monitor.metrics()).driverCalls
    expect(calls.byCommand.get).toEqual({ calls: 1, errors: 0 })
    expect(vi.isMockFunction(kit.driver.get)).toBe(false)
  })

  it('call the driver method as it is at call time, so spies on the driver still see calls', async () => {
    const driver = memoryDriver()
    const kit = make(driver)
    const get = vi.spyOn(driver, 'get')
    await kit.cache.get(keys.video({ id: 1 }))
    expect(get).toHaveBeenCalledWith(kit.cache.keyOf(keys.video({ id: 1 })))
  })
})
