/**
 * The guard's configuration checks: settings that make a full Redis hurt. Each check is
 * bounded: the TTL check samples at most `sampleKeys` keys.
 */
import type { Driver } from '../drivers/driver.js'
import type { FamilyInfo } from '../keys/classify-key.js'
import type { Namespace } from '../keys/namespace.js'
import { hasReservedSegment } from '../keys/reserved.js'
import type { MemoryUsage } from './memory-usage.js'

/** One finding of the configuration check. */
export interface ConfigWarning {
  /**
   * `noeviction`: the server refuses writes when full instead of evicting cache entries.
   * `no-maxmemory`: no limit and no budget, so Redis grows until the host runs out.
   * `no-ttl`: keys in cache families that never expire.
   */
  readonly check: 'noeviction' | 'no-maxmemory' | 'no-ttl'
  readonly message: string
  /** For `no-ttl`: how many sampled keys had no TTL, of how many sampled. */
  readonly count?: number
  readonly sampled?: number
  /** For `no-ttl`: a few of those keys. */
  readonly examples?: readonly string[]
}

const EXAMPLES = 3
const PTTL_CONCURRENCY = 50

/** Checks the server's memory settings (from `usage`) and samples keys for a missing TTL. */
export async function checkConfiguration(
  driver: Driver,
  namespace: Namespace,
  families: readonly FamilyInfo[],
  usage: MemoryUsage,
  sampleKeys: number,
): Promise<ConfigWarning[]> {
  const warnings: ConfigWarning[] = []
  if (usage.maxmemory > 0 && usage.policy === 'noeviction') {
    warnings.push({
      check: 'noeviction',
      message:
        'maxmemory-policy is noeviction: once Redis is full every write fails (OOM) instead of evicting cache entries; use allkeys-lru or volatile-lru',
    })
  }
  if (usage.maxmemory === 0 && usage.limitSource !== 'budget') {
    warnings.push({
      check: 'no-maxmemory',
      message:
        'maxmemory is 0 and the guard has no budget: Redis grows until the host runs out of memory; set maxmemory (or guard.budget where the provider hides it)',
    })
  }
  const noTtl = await sampleWithoutTtl(driver, namespace, families, sampleKeys)
  if (noTtl && noTtl.count > 0) {
    warnings.push({
      check: 'no-ttl',
      message: `${noTtl.count} of ${noTtl.sampled} sampled cache keys have no TTL and will never expire`,
      count: noTtl.count,
      sampled: noTtl.sampled,
      examples: noTtl.examples,
    })
  }
  return warnings
}

/**
 * Samples cache keys (not cachekit's own `__` feature keys, nor a nested kit's) and counts those without TTL.
 * Without a namespace prefix only the families' own patterns are scanned, so other
 * applications' keys on a shared server are never judged.
 */
async function sampleWithoutTtl(
  driver: Driver,
  namespace: Namespace,
  families: readonly FamilyInfo[],
  sampleKeys: number,
): Promise<{ count: number; sampled: number; examples: string[] } | undefined> {
  const patterns = namespace.prefix !== '' ? [namespace.pattern('*')] : families.map((family) => family.pattern())
  if (patterns.length === 0) return undefined
  const sample: string[] = []
  outer: for (const pattern of patterns) {
    for await (const page of driver.scan(pattern, { count: Math.min(sampleKeys, 1000) })) {
      for (const key of page) {
        const relative = namespace.strip(key)
        if (relative === null || hasReservedSegment(relative)) continue
        sample.push(key)
        if (sample.length >= sampleKeys) break outer
      }
    }
  }
  const withoutTtl: string[] = []
  for (let start = 0; start < sample.length; start += PTTL_CONCURRENCY) {
    const chunk = sample.slice(start, start + PTTL_CONCURRENCY)
    const ttls = await Promise.all(chunk.map((key) => driver.pttl(key)))
    ttls.forEach((ttl, index) => {
      if (ttl === -1) withoutTtl.push(chunk[index] as string)
    })
  }
  return { count: withoutTtl.length, sampled: sample.length, examples: withoutTtl.slice(0, EXAMPLES) }
}
