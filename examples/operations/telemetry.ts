/**
 * Telemetry tour: the kit's metrics in a prom-client registry and OpenTelemetry spans for
 * driver and loader calls. `npm run example:telemetry`.
 */
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Registry } from 'prom-client'
import { createCachekit, defineKeys } from 'cachekit'
import { memoryDriver } from 'cachekit/drivers/memory'
import { traceLoads, tracedDriver } from 'cachekit/otel'
import { registerCachekitMetrics } from 'cachekit/prometheus'

// Your tracing setup; with no SDK registered, cachekit's spans cost nothing.
const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const tracer = provider.getTracer('shop')

const keys = defineKeys({ product: { template: 'product:{id}', ttl: '10m' } })

const kit = createCachekit({ driver: tracedDriver(memoryDriver(), { tracer }), prefix: 'shop', keys })
const stopTracingLoads = traceLoads(kit, { tracer })

const registry = new Registry()
await registerCachekitMetrics(kit, { registry })

await kit.cache.getOrSet(keys.product({ id: 1 }), () => ({ id: 1, name: 'Lamp' }))
await kit.cache.getOrSet(keys.product({ id: 1 }), () => ({ id: 1, name: 'Lamp' }))

// What GET /metrics of your app would serve: res.type(registry.contentType).send(await registry.metrics())
const text = await registry.metrics()
console.log(text.split('\n').filter((line) => line.startsWith('cachekit_cache_hits_total') || line.startsWith('cachekit_cache_misses_total')).join('\n'))
console.log(`spans     ${[...new Set(exporter.getFinishedSpans().map((span) => span.name))].sort().join(', ')}`)

stopTracingLoads()
await kit.close()
await provider.shutdown()
