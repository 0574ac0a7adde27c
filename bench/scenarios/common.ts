/** Pieces the cache scenarios share: building subjects, filling them, turning them into contenders, table columns. */
import type { Item } from '../harness/data.js'
import type { Contender } from '../harness/measure.js'
import type { Column, RowResult } from '../harness/types.js'
import { asyncCacheDedupeSubject } from '../subjects/async-cache-dedupe.js'
import { bentocacheSubject } from '../subjects/bentocache.js'
import { cacheManagerSubject } from '../subjects/cache-manager.js'
import { cacheableSubject } from '../subjects/cacheable.js'
import { cachekitSubject } from '../subjects/cachekit.js'
import { cachifiedSubject } from '../subjects/cachified.js'
import type { CacheSubject, SubjectConfig } from '../subjects/subject.js'

/** Every peer, each in the mode asked for (those without it are left out). */
export async function peerSubjects(
  config: (id: string) => SubjectConfig,
  options: { bentoNoSerialize?: boolean } = {},
): Promise<CacheSubject[]> {
  const made = [
    await asyncCacheDedupeSubject(config('acd')),
    await cacheManagerSubject(config('cm')),
    await cachifiedSubject(config('cachified')),
    await bentocacheSubject(config('bento')),
    options.bentoNoSerialize ? await bentocacheSubject(config('bento-ns'), { serializeL1: false }) : undefined,
    await cacheableSubject(config('cacheable')),
  ]
  return made.filter((subject): subject is CacheSubject => subject !== undefined)
}

export { cachekitSubject }

/** Stores every item through the subject's own getOrSet (its own format), `concurrency` at a time. */
export async function fill(subject: CacheSubject, items: readonly Item[], concurrency = 32): Promise<void> {
  subject.loader = async (key) => items[key]
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await subject.getOrSet(next++)
    }),
  )
}

/** A contender that reads hits through the subject; the loader only counts (a hit run must leave it at 0). */
export function hitContender(subject: CacheSubject, items: readonly Item[]): Contender & { loaderCalls(): number } {
  let calls = 0
  subject.loader = async (key) => {
    calls++
    return items[key]
  }
  return {
    id: subject.id,
    label: subject.label,
    library: subject.library,
    kind: subject.kind,
    op: (key) => subject.getOrSet(key),
    loaderCalls: () => calls,
  }
}

export async function closeAll(subjects: readonly { close(): Promise<void> }[]): Promise<void> {
  await Promise.all(subjects.map((subject) => subject.close().catch(() => undefined)))
}

export const THROUGHPUT_COLUMNS: Column[] = [
  { metric: 'opsPerSec', label: 'ops/s (median)', format: 'ops' },
  { metric: 'ratio', label: 'ratio to baseline', format: 'ratio' },
  { metric: 'p50Us', label: 'p50', format: 'us' },
  { metric: 'p99Us', label: 'p99', format: 'us' },
  { metric: 'cpuUsPerOp', label: 'client CPU/op', format: 'cpu' },
]

export const REDIS_COLUMNS: Column[] = [
  ...THROUGHPUT_COLUMNS,
  { metric: 'serverCpuUsPerOp', label: 'Redis CPU/op', format: 'cpu' },
  { metric: 'sentPerOp', label: 'cmds sent/op', format: 'cmds' },
  { metric: 'commandsPerOp', label: 'cmds executed/op', format: 'cmds' },
]

export const OPS_CHART = {
  metric: 'opsPerSec',
  label: 'operations per second (median of rounds)',
  format: 'ops' as const,
  higherIsBetter: true,
}

export function row(rows: readonly RowResult[], id: string): RowResult | undefined {
  return rows.find((candidate) => candidate.id === id)
}

/** The peer row with the highest value of `metric`. */
export function bestPeer(rows: readonly RowResult[], metric = 'opsPerSec'): RowResult | undefined {
  return rows.filter((candidate) => candidate.kind === 'peer').sort((a, b) => (b.metrics[metric] ?? 0) - (a.metrics[metric] ?? 0))[0]
}

/** Median-of-rounds ratio of row `a` to row `b`, pairing rounds (both were measured in the same interleaved rounds). */
export function pairedRatio(a: RowResult | undefined, b: RowResult | undefined): number {
  if (!a?.rounds || !b?.rounds) return Number.NaN
  const ratios = a.rounds.map((ops, round) => ops / (b.rounds?.[round] ?? Number.NaN)).sort((x, y) => x - y)
  const middle = ratios.length >> 1
  return ratios.length % 2 === 1 ? (ratios[middle] as number) : ((ratios[middle - 1] as number) + (ratios[middle] as number)) / 2
}

export function fmtRatio(value: number): string {
  return `${value.toFixed(2)}×`
}
