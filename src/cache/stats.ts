/**
 * Counters per key family, for hit rates (the plans' 70–80% targets) and load times.
 * Bounded: at most `maxFamilies` families (default 100) keep their own row, the most
 * active ones; the rest are counted under `(other)` (see src/core/family-table.ts).
 */
import { FamilyTable } from '../core/family-table.js'

/** Counters of one key family (or of `(other)`: every family past the bound). */
export interface FamilyStats {
  hits: number
  staleHits: number
  misses: number
  loads: number
  loadErrors: number
  sets: number
  deletes: number
  errors: number
  /** Hits served from the in-process tier (a subset of `hits` and `staleHits`). */
  l1Hits: number
  /** hits / (hits + staleHits + misses); 0 before any read. Stale hits count as misses of freshness. */
  hitRate: number
  /** Loader duration percentiles over the recent samples, in ms. */
  loadMs: { p50: number; p95: number; p99: number; max: number }
}

type Counter = Exclude<keyof FamilyStats, 'hitRate' | 'loadMs'>

const SAMPLE_SIZE = 256

class FamilyCounters {
  hits = 0
  staleHits = 0
  misses = 0
  loads = 0
  loadErrors = 0
  sets = 0
  deletes = 0
  errors = 0
  l1Hits = 0
  /** A ring of recent loader durations. */
  readonly samples = new Float64Array(SAMPLE_SIZE)
  sampleCount = 0
}

const COUNTERS: readonly Counter[] = ['hits', 'staleHits', 'misses', 'loads', 'loadErrors', 'sets', 'deletes', 'errors', 'l1Hits']

/** Options of {@link CacheStats}. */
export interface CacheStatsOptions {
  /**
   * Families with a row of their own; the rest are counted under `(other)`.
   * @default 100
   */
  maxFamilies?: number
}

export class CacheStats {
  private readonly families: FamilyTable<FamilyCounters>

  constructor(options: CacheStatsOptions = {}) {
    this.families = new FamilyTable({ create: () => new FamilyCounters(), merge: mergeCounters, maxFamilies: options.maxFamilies })
  }

  count(family: string, counter: Counter): void {
    this.families.row(family)[counter]++
  }

  /** A hit served by L1: one lookup for both counters (the hot path). */
  countL1Hit(family: string): void {
    const counters = this.families.row(family)
    counters.hits++
    counters.l1Hits++
  }

  recordLoad(family: string, durationMs: number): void {
    const counters = this.families.row(family)
    counters.loads++
    counters.samples[counters.sampleCount++ % SAMPLE_SIZE] = durationMs
  }

  /** One entry per tracked family, then `(other)` once any family was counted there. */
  snapshot(): Record<string, FamilyStats> {
    const result: Record<string, FamilyStats> = {}
    for (const [name, c] of this.families.entries()) {
      const reads = c.hits + c.staleHits + c.misses
      result[name] = {
        hits: c.hits,
        staleHits: c.staleHits,
        misses: c.misses,
        loads: c.loads,
        loadErrors: c.loadErrors,
        sets: c.sets,
        deletes: c.deletes,
        errors: c.errors,
        l1Hits: c.l1Hits,
        hitRate: reads === 0 ? 0 : c.hits / reads,
        loadMs: percentiles(c.samples.slice(0, Math.min(c.sampleCount, SAMPLE_SIZE))),
      }
    }
    return result
  }

  reset(): void {
    this.families.clear()
  }
}

/** Adds an evicted family's counters to `(other)`, its recent load samples included. */
function mergeCounters(other: FamilyCounters, evicted: FamilyCounters): void {
  for (const counter of COUNTERS) other[counter] += evicted[counter]
  const held = Math.min(evicted.sampleCount, SAMPLE_SIZE)
  for (let i = 0; i < held; i++)
    other.samples[other.sampleCount++ % SAMPLE_SIZE] = evicted.samples[(evicted.sampleCount - held + i) % SAMPLE_SIZE] as number
}

function percentiles(samples: Float64Array): FamilyStats['loadMs'] {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 }
  const sorted = samples.sort()
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] as number }
}
