/**
 * Evicting low-priority key families: SCAN each family's pattern (every master of a
 * cluster; never KEYS, never FLUSH) and delete what it finds in bounded batches.
 */
import type { Driver } from '../drivers/driver.js'
import type { FamilyInfo } from '../keys/classify-key.js'
import type { Namespace } from '../keys/namespace.js'
import { hasReservedSegment } from '../keys/reserved.js'

/** What one eviction run did. */
export interface EvictionReport {
  /** Keys deleted, per family. */
  readonly byFamily: Readonly<Record<string, number>>
  /** Keys deleted in all. */
  readonly total: number
  /** Round trips spent deleting. */
  readonly batches: number
  /** False when the run stopped at `maxEvictions` before it scanned everything. */
  readonly complete: boolean
  readonly durationMs: number
}

/** Limits of one eviction run. */
export interface EvictionLimits {
  readonly batchSize: number
  readonly maxEvictions: number
}

/** Deletes the keys of `families` under `namespace`, at most `limits.maxEvictions`. */
export async function evictFamilies(
  driver: Driver,
  namespace: Namespace,
  families: readonly FamilyInfo[],
  limits: EvictionLimits,
): Promise<EvictionReport> {
  const started = Date.now()
  const byFamily: Record<string, number> = {}
  let total = 0
  let batches = 0
  let complete = true
  for (const family of families) {
    const budget = limits.maxEvictions - total
    if (budget <= 0) {
      complete = false
      break
    }
    const result = await evictFamily(driver, namespace, family, limits.batchSize, budget)
    byFamily[family.family] = result.deleted
    total += result.deleted
    batches += result.batches
    if (!result.complete) complete = false
  }
  return { byFamily, total, batches, complete, durationMs: Date.now() - started }
}

async function evictFamily(
  driver: Driver,
  namespace: Namespace,
  family: FamilyInfo,
  batchSize: number,
  budget: number,
): Promise<{ deleted: number; batches: number; complete: boolean }> {
  let deleted = 0
  let batches = 0
  let taken = 0
  let batch: string[] = []
  const flush = async () => {
    if (batch.length === 0) return
    const keys = batch
    batch = []
    batches++
    deleted += await driver.del(keys)
  }
  // A pattern's `*` can also match other families' keys: only what the family parses goes,
  // and never a feature key of a kit nested below this one (`prod:__lock:...`).
  for await (const page of driver.scan(namespace.pattern(family.pattern()), { count: batchSize })) {
    for (const key of page) {
      const relative = namespace.strip(key)
      if (relative === null || hasReservedSegment(relative) || family.parse(relative) === null) continue
      if (taken >= budget) {
        await flush()
        return { deleted, batches, complete: false }
      }
      taken++
      batch.push(key)
      if (batch.length >= batchSize) await flush()
    }
  }
  await flush()
  return { deleted, batches, complete: true }
}
