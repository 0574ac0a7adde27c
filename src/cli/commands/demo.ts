/**
 * `cachekit demo`: the walkthrough on the in-process memory driver, no server needed:
 * cache-aside, single flight, the memory guard skipping and evicting, and health.
 */
import { memoryDriver } from '../../drivers/memory/index.js'
import { formatBytes } from '../../guard/bytes.js'
import { readMemoryUsage } from '../../guard/memory-usage.js'
import { defineKeys } from '../../keys/define-keys.js'
import { createCachekit } from '../../kit.js'
import type { CliIo } from '../command.js'

const keys = defineKeys({
  user: { template: 'user:{id}', ttl: '1h', priority: 'high' },
  board: { template: 'kanban:board:{project}', ttl: '5m' },
  report: { template: 'analytics:{report}', ttl: '1m', priority: 'low' },
})

/** Runs the walkthrough; exit code 0. */
export async function demo(io: CliIo): Promise<number> {
  const budget = 64 * 1024
  const kit = createCachekit({ driver: memoryDriver(), prefix: 'demo', keys, guard: { budget, interval: '1h' } })
  try {
    let queries = 0
    const loadUser = async () => {
      queries++
      return { id: 42, name: 'Ada' }
    }
    await kit.cache.getOrSet(keys.user({ id: 42 }), loadUser)
    io.out(`miss      user 42 loaded from the database (${queries} query)`)
    await kit.cache.getOrSet(keys.user({ id: 42 }), loadUser)
    io.out(`hit       user 42 served from the cache (still ${queries} query)`)
    let boardQueries = 0
    await Promise.all(
      Array.from({ length: 100 }, () =>
        kit.cache.getOrSet(keys.board({ project: 7 }), async () => {
          boardQueries++
          return { columns: ['todo', 'doing', 'done'] }
        }),
      ),
    )
    io.out(`stampede  100 concurrent readers of board 7, ${boardQueries} query`)

    for (let i = 0; i < 20; i++) await kit.cache.set(keys.report({ report: `daily-${i}` }), { rows: 'r'.repeat(1000) })
    await fill(kit, budget * 0.82)
    const warn = await kit.guard.check()
    const skipped = await kit.cache.set(keys.report({ report: 'weekly' }), { rows: [] })
    io.out(
      `guard     memory at ${pct(warn.usage?.ratio)} of a ${formatBytes(budget)} budget: ${warn.state}; a low-priority write was ${skipped ? 'stored' : 'skipped'}`,
    )
    await fill(kit, budget * 0.93)
    const critical = await kit.guard.check()
    io.out(
      `guard     memory at ${pct(critical.usage?.ratio)}: ${critical.state}; evicted ${critical.eviction?.total ?? 0} low-priority keys (analytics), kept users and boards`,
    )
    const after = await kit.guard.check()
    io.out(`guard     memory at ${pct(after.usage?.ratio)} after eviction: ${after.state}`)

    const health = await kit.monitor.health()
    io.out(`health    ${health.status}${health.issues.length > 0 ? `: ${health.issues.map((issue) => issue.message).join('; ')}` : ''}`)
    const stats = kit.cache.stats()
    io.out(
      `stats     user: ${stats.user?.hits} hit, ${stats.user?.misses} miss; board: ${stats.board?.loads} load for ${(stats.board?.hits ?? 0) + (stats.board?.misses ?? 0)} reads`,
    )
    io.out('next      npx cachekit health --url redis://localhost:6379')
    return 0
  } finally {
    await kit.close()
  }
}

/** Fills the memory driver with plain keys until it holds `bytes`. */
async function fill(kit: ReturnType<typeof createCachekit<typeof keys>>, bytes: number): Promise<void> {
  for (let i = 0; ; i++) {
    // Reads INFO without a guard check: a check in critical would already evict.
    if ((await readMemoryUsage(kit.driver, undefined)).usedBytes >= bytes) return
    await kit.driver.set(`demo:filler:${bytes}:${i}`, 'f'.repeat(500))
  }
}

function pct(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? '-' : `${(ratio * 100).toFixed(1)}%`
}
