/**
 * Operations tour: the memory guard, health, metrics, key distribution, your own
 * metrics, the admin handler and Prometheus text. Runs on the in-process memory driver,
 * or on Redis when REDIS_URL is set: `npm run example:operations`.
 */
import { createCachekit, defineKeys } from 'cachekit'
import type { Driver } from 'cachekit/drivers'
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import { memoryDriver } from 'cachekit/drivers/memory'
import { createAdminHandler } from 'cachekit/ops'

const keys = defineKeys({
  board: { template: 'kanban:board:{project}', ttl: '5m', priority: 'high' },
  project: { template: 'kanban:project:{id}', ttl: '10m' },
  analytics: { template: 'analytics:{report}', ttl: '1m', priority: 'low' },
})

const url = process.env.REDIS_URL
const driver: Driver = url ? ioredisDriver({ url }) : memoryDriver()

const kit = createCachekit({
  driver,
  prefix: 'ops-demo',
  environment: url ? `run${process.pid}` : 'dev',
  keys,
  // A 20 MB plan whose provider reports no maxmemory: the guard judges usage against the budget.
  guard: { budget: '20mb', warnAt: 0.8, criticalAt: 0.9, interval: '30s' },
  health: { hitRate: 0.7, p99LatencyMs: 100 },
})

kit.guard.events.on('state', ({ previous, state, usage }) => {
  console.log(`guard     ${previous} -> ${state} at ${((usage.ratio ?? 0) * 100).toFixed(0)}%`)
})

let exports = 0
kit.monitor.register({
  name: 'app_exports_total',
  help: 'CSV exports started.',
  type: 'counter',
  labelNames: ['format'],
  collect: () => [{ labels: { format: 'csv' }, value: exports }],
})

for (let round = 0; round < 4; round++) {
  for (let project = 0; project < 5; project++) {
    await kit.cache.getOrSet(keys.board({ project }), () => ({ columns: ['todo', 'doing', 'done'] }))
  }
  await kit.cache.getOrSet(keys.analytics({ report: `daily-${round}` }), () => ({ rows: round }))
}
exports += 3

const health = await kit.monitor.health()
console.log(`health    ${health.status}, guard ${health.guard}, circuit ${health.circuit}, ${health.issues.length} issues`)

const metrics = await kit.monitor.metrics()
const board = metrics.cache.families.board
const exported = metrics.features.find((metric) => metric.name === 'app_exports_total')?.samples[0]?.value
console.log(`metrics   board: ${board?.hits} hits, ${board?.misses} misses (${((board?.hitRate ?? 0) * 100).toFixed(0)}%); app_exports_total = ${exported}`)

const distribution = await kit.monitor.keyDistribution({ sample: 100 })
console.log(`keys      ${distribution.families.map((family) => `${family.family}: ${family.keys}`).join(', ')}`)

const report = await kit.guard.check()
console.log(`guard     ${report.state}: ${report.usage?.limitSource} limit of ${report.usage?.limitBytes} bytes`)

const handler = createAdminHandler(kit, {
  basePath: '/admin/cache',
  authorize: (request) => request.headers.get('authorization') === `Bearer ${process.env.ADMIN_TOKEN ?? 'dev-token'}`,
})
const response = await handler(new Request('http://localhost/admin/cache/health', { headers: { authorization: 'Bearer dev-token' } }))
console.log(`admin     GET /admin/cache/health -> ${response.status}`)
const denied = await handler(new Request('http://localhost/admin/cache/metrics'))
console.log(`admin     GET /admin/cache/metrics without a token -> ${denied.status}`)

const prometheus = await handler(new Request('http://localhost/admin/cache/metrics/prometheus', { headers: { authorization: 'Bearer dev-token' } }))
const hitsLine = (await prometheus.text()).split('\n').find((line) => line.startsWith('cachekit_cache_hits_total{family="board"}'))
console.log(`metrics   ${hitsLine}`)

// Leave nothing behind on a shared Redis: SCAN this run's namespace and delete it (never KEYS or FLUSH).
if (url) for await (const page of kit.driver.scan(kit.namespace.pattern('*'))) await kit.driver.del(page)
await kit.close()
