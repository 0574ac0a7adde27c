/**
 * Telemetry: cachekit/prometheus against a real prom-client registry (its text output is
 * the specification), and cachekit/otel spans caught by the SDK's in-memory exporter,
 * with the async-hooks context manager so parent links are real.
 */
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Registry } from 'prom-client'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { ValidationError } from '../../src/core/errors/index.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { defineKeys } from '../../src/keys/index.js'
import { createCachekit } from '../../src/kit.js'
import { traceLoads, tracedDriver } from '../../src/otel/index.js'
import { registerCachekitMetrics } from '../../src/prometheus/index.js'
import { freePort } from '../support/redis-process.js'
import { uniquePrefix } from '../support/targets.js'

const keys = defineKeys({
  user: { template: 'user:{id}', ttl: '1h' },
  feed: { template: 'feed:{page}', ttl: '1m', priority: 'low' },
})

const kits: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(kits.splice(0).map((kit) => kit.close()))
})

describe('cachekit/prometheus', () => {
  it('registers counters, gauges and histograms that a scrape reads from the kit', async () => {
    const kit = createCachekit({ driver: ioredisDriver({ url: inject('redisUrl') }), prefix: uniquePrefix('prom'), keys })
    kits.push(kit)
    const registry = new Registry()
    const registered = await registerCachekitMetrics(kit, { registry, snapshotMs: 0 })
    await kit.cache.getOrSet(keys.user({ id: 1 }), async () => 'Ada')
    await kit.cache.getOrSet(keys.user({ id: 1 }), async () => 'Ada')
    await kit.cache.getOrSet(keys.feed({ page: 1 }), async () => [1])
    const text = await registry.metrics()
    expect(text).toContain('# TYPE cachekit_cache_hits_total counter')
    expect(text).toContain('cachekit_cache_hits_total{family="user"} 1')
    expect(text).toContain('cachekit_cache_misses_total{family="feed"} 1')
    expect(text).toContain('cachekit_cache_hit_ratio{family="user"} 0.5')
    expect(text).toContain('cachekit_circuit_state{state="closed"} 1')
    expect(text).toContain('cachekit_guard_state{state="ok"} 1')
    expect(text).toMatch(/^cachekit_redis_used_memory_bytes\{node="standalone"\} \d+$/m)
    expect(text).toMatch(/^cachekit_memory_used_bytes \d+$/m)
    expect(text).toContain('# TYPE cachekit_driver_call_duration_seconds histogram')
    expect(text).toMatch(/^cachekit_driver_call_duration_seconds_count\{method="get",outcome="ok"\} [1-9]\d*$/m)
    expect(text).toMatch(/^cachekit_loader_duration_seconds_count\{family="user"\} 1$/m)
    expect(text).toMatch(/^cachekit_loader_duration_seconds_count\{family="feed"\} 1$/m)
    // A second scrape sees new figures, not accumulated ones.
    await kit.cache.getOrSet(keys.user({ id: 1 }), async () => 'Ada')
    expect(await registry.metrics()).toContain('cachekit_cache_hits_total{family="user"} 2')
    registered.unregister()
    expect(await registry.metrics()).not.toContain('cachekit_')
  })

  it('picks up feature metrics, the ones registered later from the next scrape on', async () => {
    const kit = createCachekit({ driver: memoryDriver(), keys })
    kits.push(kit)
    kit.monitor.register({
      name: 'app_exports_total',
      help: 'Exports.',
      type: 'counter',
      labelNames: ['kind'],
      collect: () => [{ labels: { kind: 'csv' }, value: 4 }],
    })
    const registry = new Registry()
    await registerCachekitMetrics(kit, { registry, snapshotMs: 0 })
    expect(await registry.metrics()).toContain('app_exports_total{kind="csv"} 4')
    kit.monitor.register({
      name: 'app_queue_depth',
      help: 'Jobs waiting.',
      type: 'gauge',
      labelNames: [],
      collect: () => [{ labels: {}, value: 7 }],
    })
    await registry.metrics()
    expect(await registry.metrics()).toContain('app_queue_depth 7')
  })

  it('keeps serving cachekit metrics while Redis is away', async () => {
    const port = await freePort()
    const kit = createCachekit({
      driver: ioredisDriver({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 100, connectTimeoutMs: 100 }),
      keys,
      breaker: false,
    })
    kits.push(kit)
    const registry = new Registry()
    await registerCachekitMetrics(kit, { registry, snapshotMs: 0 })
    await kit.cache.getOrSet(keys.user({ id: 2 }), async () => 'Bob')
    const text = await registry.metrics()
    expect(text).toContain('cachekit_cache_errors_total{family="user"} 1')
    expect(text).toMatch(/^cachekit_driver_call_duration_seconds_count\{method="get",outcome="error"\} 1$/m)
    expect(text).not.toContain('cachekit_redis_used_memory_bytes{')
  })

  it('refuses a missing registry', async () => {
    const kit = createCachekit({ driver: memoryDriver() })
    kits.push(kit)
    await expect(registerCachekitMetrics(kit, {} as never)).rejects.toBeInstanceOf(ValidationError)
  })
})

describe('cachekit/otel', () => {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const tracer = provider.getTracer('test')
  const contextManager = new AsyncLocalStorageContextManager()

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable())
  })
  afterAll(async () => {
    context.disable()
    await provider.shutdown()
  })
  afterEach(() => {
    exporter.reset()
  })

  it('wraps driver calls in CLIENT spans, children of the caller span, with failures recorded', async () => {
    const kit = createCachekit({
      driver: tracedDriver(ioredisDriver({ url: inject('redisUrl') }), { tracer }),
      prefix: uniquePrefix('otel'),
      keys,
    })
    kits.push(kit)
    await tracer.startActiveSpan('request', async (request) => {
      await kit.cache.getOrSet(keys.user({ id: 1 }), async () => 'Ada')
      await kit.driver.hset(kit.namespace.key('h'), { a: '1' })
      await kit.driver.get(kit.namespace.key('h')).catch(() => undefined)
      request.end()
    })
    const spans = exporter.getFinishedSpans()
    const parent = spans.find((span) => span.name === 'request')
    const driverSpans = spans.filter((span) => span.name.startsWith('cachekit '))
    expect(driverSpans.map((span) => span.name)).toEqual(expect.arrayContaining(['cachekit get', 'cachekit set', 'cachekit hset']))
    // The bus subscribes when the kit is created, outside the request: that span has no parent.
    const inRequest = driverSpans.filter((span) => span.name !== 'cachekit subscribe')
    expect(inRequest.filter((span) => span.parentSpanContext?.spanId !== parent?.spanContext().spanId).map((span) => span.name)).toEqual([])
    const get = driverSpans.find((span) => span.name === 'cachekit get')
    expect(get?.attributes).toMatchObject({ 'db.system.name': 'redis', 'db.operation.name': 'get', 'cachekit.driver': 'ioredis' })
    expect(get?.attributes['cachekit.key']).toBeUndefined()
    // Only the refused command (a loaded machine could add a timeout elsewhere; that is not under test).
    const refused = driverSpans.filter((span) => span.status.code === 2 && span.status.message === 'COMMAND_ERROR')
    expect(refused.map((span) => span.name)).toEqual(['cachekit get'])
    expect(refused[0]?.events.map((event) => event.name)).toEqual(['exception'])
  })

  it('names scripts and records keys only when asked', async () => {
    const kit = createCachekit({ driver: tracedDriver(memoryDriver(), { tracer, recordKeys: true }), keys })
    kits.push(kit)
    await kit.cache.getOrSet(keys.user({ id: 3 }), async () => 'Cy')
    const set = exporter.getFinishedSpans().find((span) => span.name === 'cachekit set')
    expect(set?.attributes['cachekit.key']).toBe('user:3')
    expect(set?.attributes['db.system.name']).toBe('cachekit-memory')
  })

  it('records loader spans with their real duration and the caller as parent', async () => {
    const kit = createCachekit({ driver: memoryDriver(), keys })
    kits.push(kit)
    const stop = traceLoads(kit, { tracer })
    await tracer.startActiveSpan('request', async (request) => {
      await kit.cache.getOrSet(keys.user({ id: 1 }), async () => {
        await new Promise((resolve) => setTimeout(resolve, 30))
        return 'Ada'
      })
      await kit.cache.getOrSet(keys.feed({ page: 1 }), async () => Promise.reject(new Error('db down'))).catch(() => undefined)
      request.end()
    })
    stop()
    await kit.cache.getOrSet(keys.user({ id: 2 }), async () => 'not traced')
    const spans = exporter.getFinishedSpans()
    const parent = spans.find((span) => span.name === 'request')
    const loads = spans.filter((span) => span.name.startsWith('cachekit load'))
    expect(loads.map((span) => span.name)).toEqual(['cachekit load user', 'cachekit load feed'])
    expect(loads.every((span) => span.parentSpanContext?.spanId === parent?.spanContext().spanId)).toBe(true)
    const [user, feed] = loads
    const durationMs = (user?.duration[0] ?? 0) * 1000 + (user?.duration[1] ?? 0) / 1e6
    expect(durationMs).toBeGreaterThanOrEqual(25)
    expect(user?.attributes['cachekit.family']).toBe('user')
    expect(feed?.status.code).toBe(2)
    expect(feed?.events[0]?.name).toBe('exception')
  })

  it('is a no-op without a registered SDK', async () => {
    const kit = createCachekit({ driver: tracedDriver(memoryDriver()), keys })
    kits.push(kit)
    expect(trace.getTracer('cachekit').startSpan('x').isRecording()).toBe(false)
    expect(await kit.cache.getOrSet(keys.user({ id: 9 }), async () => 'fine')).toBe('fine')
    expect(exporter.getFinishedSpans()).toEqual([])
  })
})
