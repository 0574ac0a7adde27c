/**
 * Scenario 2: a Redis hit without any in-process tier, 1 and 64 calls in flight.
 * Baselines: raw ioredis GET + JSON.parse, with default options and with auto-pipelining.
 */
import { makeItems, readOrder } from '../harness/data.js'
import { formatOps, measureThroughput, type Contender } from '../harness/measure.js'
import type { Scenario } from '../harness/scenario.js'
import type { GroupResult, TargetResult } from '../harness/types.js'
import { ioredisGet } from '../subjects/raw.js'
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
} from './common.js'

const KEYS = 10_000

export const redisHit: Scenario = {
  name: 'redis-hit',
  title: 'Redis hit without L1',
  description: `${KEYS.toLocaleString('en')} keys (~1 KB JSON values) in Redis, every read a hit, no in-process tier: each library in its Redis-only configuration. 1 and 64 calls in flight.`,
  async run(context) {
    const items = makeItems(KEYS)
    const order = readOrder(KEYS)
    const config = (id: string) => ({
      mode: 'redis' as const,
      redis: context.redis,
      prefix: context.prefix(id),
      keyCount: KEYS,
      l1MaxEntries: KEYS,
      ttlMs: 3_600_000,
    })
    const subjects = [await cachekitSubject(config('ck')), ...(await peerSubjects(config))]
    const raws = [
      await ioredisGet(context.redis.url, context.prefix('raw'), items, false),
      await ioredisGet(context.redis.url, context.prefix('raw-ap'), items, true),
    ]
    try {
      for (const subject of subjects) await fill(subject, items)
      const hits = subjects.map((subject) => hitContender(subject, items))
      const contenders: Contender[] = [...raws, ...hits]
      const groups: GroupResult[] = []
      for (const concurrency of [1, 64]) {
        context.log(`  ${concurrency} in flight`)
        const baseline = concurrency === 1 ? 'ioredis' : 'ioredis-autopipe'
        const rows = await measureThroughput(contenders, {
          ...context.options,
          concurrency,
          order,
          baseline,
          commandStats: context.commandStats,
          log: context.log,
        })
        groups.push({
          id: `redis-hit-${concurrency}`,
          title: `Redis hit, ${concurrency} in flight`,
          description: `Ratios are to \`${rows.find((r) => r.id === baseline)?.label}\`.`,
          baseline,
          columns: REDIS_COLUMNS,
          chart: OPS_CHART,
          rows,
        })
      }
      const [one, many] = groups.map((group) => group.rows) as [GroupResult['rows'], GroupResult['rows']]
      const vsRaw1 = pairedRatio(row(one, 'cachekit'), row(one, 'ioredis'))
      const vsAuto = pairedRatio(row(many, 'cachekit'), row(many, 'ioredis-autopipe'))
      const peer = bestPeer(many)
      const vsPeer = pairedRatio(row(many, 'cachekit'), peer)
      const targets: TargetResult[] = [
        {
          description: '64 in flight: cachekit vs raw ioredis with auto-pipelining',
          target: '≥ 0.8×',
          measured: `${fmtRatio(vsAuto)} (${formatOps(row(many, 'cachekit')?.metrics.opsPerSec ?? 0)} vs ${formatOps(row(many, 'ioredis-autopipe')?.metrics.opsPerSec ?? 0)})`,
          met: vsAuto >= 0.8,
        },
        {
          description: `64 in flight: cachekit vs the best peer (${peer?.label})`,
          target: '≥ 2×',
          measured: `${fmtRatio(vsPeer)} (${formatOps(peer?.metrics.opsPerSec ?? 0)})`,
          met: vsPeer >= 2,
        },
        {
          description: '1 in flight: cachekit vs raw ioredis (default options)',
          target: '≥ 0.95× (within 5%)',
          measured: `${fmtRatio(vsRaw1)} (${formatOps(row(one, 'cachekit')?.metrics.opsPerSec ?? 0)} vs ${formatOps(row(one, 'ioredis')?.metrics.opsPerSec ?? 0)})`,
          met: vsRaw1 >= 0.95,
        },
      ]
      const notes = hits
        .filter((hit) => hit.loaderCalls() > 0)
        .map((hit) => `${hit.label}: the loader ran ${hit.loaderCalls()} times during the timed rounds (expected 0).`)
      return { groups, targets, notes }
    } finally {
      await closeAll([...subjects, ...raws])
    }
  },
}
