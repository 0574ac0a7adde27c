/**
 * Per-family tables stay bounded whatever the keys: 200,000 plain keys with distinct
 * first segments (one "family" each) leave at most 100 families plus `(other)` in
 * `kit.cache.stats()`, `kit.monitor.metrics()`, the Prometheus text and prom-client registry,
 * the guard's skipped writes and the key distribution, with totals unchanged and the
 * busy families keeping their rows.
 */
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { FAMILY_TABLE_DEFAULTS, OTHER_FAMILY } from '../../src/core/family-table.js'
import { formatPrometheus } from '../../src/monitor/prometheus-text.js'
import { metricFamilies } from '../../src/monitor/metric-families.js'
import { registerCachekitMetrics } from '../../src/prometheus/index.js'
import { useKit } from '../support/use-kit.js'

const MAX = FAMILY_TABLE_DEFAULTS.maxFamilies
const DISTINCT = 200_000
// 13 series per family: a bounded body is tens of kilobytes; an unbounded one was 149 MB.
const MAX_BODY_BYTES = 400_000

const make = useKit('memory', { label: 'families', guard: false })

describe('the per-family tables', () => {
  it('keep at most maxFamilies families plus (other) through 200,000 distinct first segments, totals intact', async () => {
    const kit = make()
    const registry = new Registry()
    await registerCachekitMetrics(kit, { registry })
    for (let i = 0; i < DISTINCT; i++) {
      // Half written directly, half loaded; a busy family read in between keeps its row.
      if (i % 2 === 0) await kit.cache.set(`s${i}:x`, i, { ttl: '1m' })
      else await kit.cache.getOrSet(`g${i}:x`, () => i, { ttl: '1m' })
      if (i % 10 === 0) await kit.cache.getOrSet('user:1', () => 'ada', { ttl: '1m' })
    }
    const stats = kit.cache.stats()
    const names = Object.keys(stats)
    expect(names.length).toBeLessThanOrEqual(MAX + 1)
    expect(names).toContain(OTHER_FAMILY)
    expect(stats.user?.hits).toBeGreaterThan(DISTINCT / 20)
    const sum = (field: 'sets' | 'loads' | 'misses' | 'hits') => Object.values(stats).reduce((total, family) => total + family[field], 0)
    expect(sum('sets')).toBe(DISTINCT / 2 + DISTINCT / 2 + 1)
    expect(sum('loads')).toBe(DISTINCT / 2 + 1)
    expect(sum('hits') + sum('misses')).toBe(DISTINCT / 2 + DISTINCT / 10)

    const metrics = await kit.monitor.metrics()
    expect(Object.keys(metrics.cache.families).length).toBeLessThanOrEqual(MAX + 1)
    expect(metrics.cache.totals.loads).toBe(DISTINCT / 2 + 1)
    const text = formatPrometheus(metricFamilies(metrics))
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_BODY_BYTES)
    const labels = new Set([...text.matchAll(/family="([^"]*)"/g)].map((match) => match[1]))
    expect(labels.size).toBeLessThanOrEqual(MAX + 1)

    const scraped = await registry.metrics()
    expect(Buffer.byteLength(scraped)).toBeLessThan(MAX_BODY_BYTES * 2)
    const loaderLabels = new Set(
      [...scraped.matchAll(/cachekit_loader_duration_seconds_count\{family="([^"]*)"\}/g)].map((match) => match[1]),
    )
    expect(loaderLabels.size).toBeGreaterThan(0)
    expect(loaderLabels.size).toBeLessThanOrEqual(MAX + 1)
  }, 120_000)

  it('cut very long family names (a plain key without ":" is its own family)', async () => {
    const kit = make()
    await kit.cache.set('q'.repeat(10_000), 1, { ttl: '1m' })
    const [name] = Object.keys(kit.cache.stats())
    expect(name?.length).toBeLessThanOrEqual(FAMILY_TABLE_DEFAULTS.maxNameLength)
    expect(name?.endsWith('…')).toBe(true)
  })

  it("bound the guard's skipped writes per family", async () => {
    // A one-byte budget: the first check is critical, so every normal-priority write is skipped.
    const kit = make({ guard: { budget: 1 } })
    await kit.driver.set('filler', 'x')
    expect((await kit.guard.check()).state).toBe('critical')
    for (let i = 0; i < 5_000; i++) await kit.cache.set(`k${i}:x`, i, { ttl: '1m' })
    const skipped = kit.guard.status().skippedWrites
    expect(Object.keys(skipped).length).toBeLessThanOrEqual(MAX + 1)
    expect(Object.values(skipped).reduce((total, count) => total + count, 0)).toBe(5_000)
  })

  it('report the families with the most keys in the key distribution, the rest as (other)', async () => {
    const kit = make()
    for (let i = 0; i < 1_000; i++) await kit.cache.set(`one${i}`, i, { ttl: '1m' })
    for (let i = 0; i < 50; i++) await kit.cache.set(`video:${i}`, i, { ttl: '1m' })
    const report = await kit.monitor.keyDistribution({ sample: 100, maxFamilies: 10 })
    expect(report.families.length).toBeLessThanOrEqual(11)
    expect(report.families.find((family) => family.family === 'video')?.keys).toBe(50)
    expect(report.families.reduce((total, family) => total + family.keys, 0)).toBe(report.scanned)
    expect(report.families.reduce((total, family) => total + family.sampled, 0)).toBe(report.sampled)
  })
})
