/**
 * Scenario 3: tiered (L1 + Redis). Each library in its two-tier configuration (with its
 * bus where it has one). Two workloads: every key fits the L1 tier (1 in flight), and a
 * working set ten times the L1 tier, so most reads go to Redis (64 in flight).
 */
import { makeItems, readOrder } from '../harness/data.js'
import { formatOps, measureThroughput, type Contender } from '../harness/measure.js'
import type { Scenario } from '../harness/scenario.js'
import type { GroupResult, TargetResult } from '../harness/types.js'
import { ioredisGet, lruGet } from '../subjects/raw.js'
import type { CacheSubject } from '../subjects/subject.js'
import {
  bestPeer,
  cachekitSubject,
  closeAll,
  fill,
  fmtRatio,
  hitContender,
  OPS_CHART,
  pairedRatio,
  peerSubjects,
  REDIS_COLUMNS,
  row,
  THROUGHPUT_COLUMNS,
} from './common.js'

const KEYS = 10_000
const SMALL_L1 = 1_000

export const tieredHit: Scenario = {
  name: 'tiered-hit',
  title: 'Tiered hit (L1 + Redis)',
  description: `${KEYS.toLocaleString('en')} keys (~1 KB JSON values), each library with an in-process tier in front of Redis. "fits L1": the tier holds all keys. "L1 holds 10%": the tier holds ${SMALL_L1.toLocaleString('en')} entries, so about 90% of reads fall through to Redis.`,
  async run(context) {
    const items = makeItems(KEYS)
    const order = readOrder(KEYS)
    const groups: GroupResult[] = []
    const all: { close(): Promise<void> }[] = []
    try {
      for (const [l1MaxEntries, concurrency] of [
        [KEYS, 1],
        [SMALL_L1, 64],
      ] as const) {
        const config = (id: string) => ({
          mode: 'tiered' as const,
          redis: context.redis,
          prefix: context.prefix(id),
          keyCount: KEYS,
          l1MaxEntries,
          ttlMs: 3_600_000,
        })
        const subjects: CacheSubject[] = [await cachekitSubject(config('ck')), ...(await peerSubjects(config))]
        all.push(...subjects)
        for (const subject of subjects) await fill(subject, items)
        const hits = subjects.map((subject) => hitContender(subject, items))
        const fits = l1MaxEntries === KEYS
        context.log(`  ${fits ? 'fits L1' : 'L1 holds 10%'}, ${concurrency} in flight`)
        const raw = fits ? lruGet(items, true) : await ioredisGet(context.redis.url, context.prefix('raw-ap'), items, true)
        if ('close' in raw) all.push(raw as { close(): Promise<void> })
        const contenders: Contender[] = [raw, ...hits]
        const rows = await measureThroughput(contenders, {
          ...context.options,
          concurrency,
          order,
          baseline: raw.id,
          commandStats: context.commandStats,
          log: context.log,
        })
        groups.push({
          id: fits ? 'tiered-fits' : 'tiered-10pct',
          title: fits ? `Tiered, all keys fit L1, ${concurrency} in flight` : `Tiered, L1 holds 10% of the keys, ${concurrency} in flight`,
          description: `Ratios are to \`${raw.label}\`.`,
          baseline: raw.id,
          columns: fits ? THROUGHPUT_COLUMNS.concat(REDIS_COLUMNS.slice(-1)) : REDIS_COLUMNS,
          chart: OPS_CHART,
          rows,
        })
      }
      const targets: TargetResult[] = groups.map((group) => {
        const peer = bestPeer(group.rows)
        const ratio = pairedRatio(row(group.rows, 'cachekit'), peer)
        return {
          description: `${group.title}: cachekit vs the best peer (${peer?.label})`,
          target: 'ahead (> 1×); the issue sets no number here',
          measured: `${fmtRatio(ratio)} (${formatOps(row(group.rows, 'cachekit')?.metrics.opsPerSec ?? 0)} vs ${formatOps(peer?.metrics.opsPerSec ?? 0)})`,
          met: ratio > 1,
        }
      })
      return { groups, targets, notes: ['async-cache-dedupe and cachified have no two-tier mode and are not in this scenario.'] }
    } finally {
      await closeAll(all)
    }
  },
}
