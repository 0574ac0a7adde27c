/**
 * Which key families hold the keys and the memory: a bounded SCAN over the namespace
 * (every master of a cluster), a uniform reservoir sample of the keys seen, and TYPE,
 * PTTL and MEMORY USAGE of each sampled key (one script call each).
 */
import { ValidationError } from '../core/errors/index.js'
import { FAMILY_TABLE_DEFAULTS, familyName, OTHER_FAMILY } from '../core/family-table.js'
import type { Driver } from '../drivers/driver.js'
import { classifyKey, type FamilyInfo } from '../keys/classify-key.js'
import type { Namespace } from '../keys/namespace.js'
import { keyProbe, type KeyProbe } from '../scripts/key-probe.js'

/** Options of `kit.monitor.keyDistribution()`. */
export interface KeyDistributionOptions {
  /**
   * How many keys are probed (TYPE, PTTL, MEMORY USAGE).
   * @default 500
   */
  sample?: number
  /**
   * At most this many keys are scanned; the report says whether the scan completed.
   * On a cluster masters are scanned one after another, so a stopped scan has seen the
   * first masters only.
   * @default 100_000
   */
  maxScan?: number
  /** Only keys of this family (by name). */
  family?: string
  /**
   * Families reported on their own, those with the most keys; the rest are reported
   * together as `(other)`. Plain keys without `:` are each their own family.
   * @default 100
   */
  maxFamilies?: number
}

/** One family's share of the sample, extrapolated to the scanned keys. */
export interface FamilyDistribution {
  readonly family: string
  /** Keys of this family among the scanned ones (counted exactly, not sampled). */
  readonly keys: number
  readonly sampled: number
  /** Mean MEMORY USAGE of the sampled keys; `null` where the server refuses MEMORY. */
  readonly avgBytes: number | null
  /** avgBytes x keys. */
  readonly estimatedBytes: number | null
  /** Sampled keys without a TTL. */
  readonly withoutTtl: number
  /** Mean remaining TTL of sampled keys that have one, in ms. */
  readonly avgTtlMs: number | null
  /** Redis types seen in the sample. */
  readonly types: readonly string[]
}

/** The distribution report. */
export interface KeyDistribution {
  readonly families: readonly FamilyDistribution[]
  readonly scanned: number
  readonly sampled: number
  /** True when SCAN visited the whole namespace (not stopped by `maxScan`). */
  readonly complete: boolean
  readonly durationMs: number
}

export const KEY_DISTRIBUTION_DEFAULTS = Object.freeze({ sample: 500, maxScan: 100_000, maxFamilies: FAMILY_TABLE_DEFAULTS.maxFamilies })

const PROBES_AT_ONCE = 50

/** Scans the namespace and reports keys and memory per family. */
export async function keyDistribution(
  driver: Driver,
  namespace: Namespace,
  families: readonly FamilyInfo[],
  options: KeyDistributionOptions = {},
): Promise<KeyDistribution> {
  const sampleSize = options.sample ?? KEY_DISTRIBUTION_DEFAULTS.sample
  const maxScan = options.maxScan ?? KEY_DISTRIBUTION_DEFAULTS.maxScan
  const maxFamilies = options.maxFamilies ?? KEY_DISTRIBUTION_DEFAULTS.maxFamilies
  for (const [name, value] of [
    ['sample', sampleSize],
    ['maxScan', maxScan],
    ['maxFamilies', maxFamilies],
  ] as const) {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new ValidationError(`keyDistribution: ${name} must be a positive integer, got ${String(value)}`)
  }
  const started = Date.now()
  const only = options.family === undefined ? undefined : families.find((family) => family.family === options.family)
  const match = namespace.pattern(only ? only.pattern() : '*')
  // Exact counts while scanning (at most `maxScan` entries), cut to the top families below.
  const counts = new Map<string, number>()
  const reservoir: { key: string; family: string }[] = []
  let scanned = 0
  let complete = true
  scan: for await (const page of driver.scan(match, { count: 1000 })) {
    for (const key of page) {
      const relative = namespace.strip(key)
      if (relative === null) continue
      const family = familyName(classifyKey(relative, families))
      if (options.family !== undefined && family !== options.family) continue
      if (scanned >= maxScan) {
        complete = false
        break scan
      }
      scanned++
      counts.set(family, (counts.get(family) ?? 0) + 1)
      // Reservoir sampling: every scanned key has the same chance to be probed.
      if (reservoir.length < sampleSize) reservoir.push({ key, family })
      else {
        const slot = Math.floor(Math.random() * scanned)
        if (slot < sampleSize) reservoir[slot] = { key, family }
      }
    }
  }
  const kept = topFamilies(counts, maxFamilies)
  for (const entry of reservoir) if (!kept.has(entry.family)) entry.family = OTHER_FAMILY
  const probes = await probeAll(
    driver,
    reservoir.map((entry) => entry.key),
  )
  const byFamily = new Map<string, { sampled: number; bytes: number[]; ttls: number[]; withoutTtl: number; types: Set<string> }>()
  reservoir.forEach((entry, index) => {
    const probe = probes[index]
    if (!probe) return
    let group = byFamily.get(entry.family)
    if (!group) {
      group = { sampled: 0, bytes: [], ttls: [], withoutTtl: 0, types: new Set() }
      byFamily.set(entry.family, group)
    }
    group.sampled++
    group.types.add(probe.type)
    if (probe.bytes >= 0) group.bytes.push(probe.bytes)
    if (probe.pttlMs === -1) group.withoutTtl++
    else if (probe.pttlMs >= 0) group.ttls.push(probe.pttlMs)
  })
  const report = [...kept].map(([family, keys]): FamilyDistribution => {
    const group = byFamily.get(family)
    const avgBytes = group && group.bytes.length > 0 ? mean(group.bytes) : null
    return {
      family,
      keys,
      sampled: group?.sampled ?? 0,
      avgBytes,
      estimatedBytes: avgBytes === null ? null : Math.round(avgBytes * keys),
      withoutTtl: group?.withoutTtl ?? 0,
      avgTtlMs: group && group.ttls.length > 0 ? mean(group.ttls) : null,
      types: group ? [...group.types].sort() : [],
    }
  })
  report.sort((a, b) => (b.estimatedBytes ?? 0) - (a.estimatedBytes ?? 0) || b.keys - a.keys)
  return { families: report, scanned, sampled: reservoir.length, complete, durationMs: Date.now() - started }
}

/** The `max` families with the most keys, and `(other)` holding the sum of the rest. */
function topFamilies(counts: ReadonlyMap<string, number>, max: number): Map<string, number> {
  if (counts.size <= max && !counts.has(OTHER_FAMILY)) return new Map(counts)
  const ranked = [...counts].filter(([family]) => family !== OTHER_FAMILY).sort((a, b) => b[1] - a[1])
  const kept = new Map(ranked.slice(0, max))
  const rest = ranked.slice(max).reduce((sum, [, keys]) => sum + keys, counts.get(OTHER_FAMILY) ?? 0)
  if (rest > 0) kept.set(OTHER_FAMILY, rest)
  return kept
}

async function probeAll(driver: Driver, keys: readonly string[]): Promise<(KeyProbe | null)[]> {
  const results: (KeyProbe | null)[] = []
  for (let start = 0; start < keys.length; start += PROBES_AT_ONCE) {
    // One key per call: each lands on its own slot's node, so this is Cluster-safe.
    results.push(...(await Promise.all(keys.slice(start, start + PROBES_AT_ONCE).map((key) => driver.eval(keyProbe, [key], [])))))
  }
  return results
}

function mean(values: readonly number[]): number {
  return Math.round(values.reduce((sum, value) => sum + value, 0) / values.length)
}
