/**
 * Scenario 1: a hit served from process memory, 10k hot keys, one call in flight.
 * Baselines: Map and lru-cache read synchronously, and lru-cache returned through an
 * awaited Promise: the ceiling for any getOrSet that returns a Promise.
 */
import { makeItems, readOrder } from '../harness/data.js'
import { formatOps, measureThroughput, type Contender } from '../harness/measure.js'
import type { Scenario } from '../harness/scenario.js'
import type { TargetResult } from '../harness/types.js'
import { lruGet, mapGet } from '../subjects/raw.js'
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
  row,
  THROUGHPUT_COLUMNS,
} from './common.js'

const KEYS = 10_000

export const l1Hit: Scenario = {
  name: 'l1-hit',
  title: 'L1 hit: getOrSet served from process memory',
  description: `${KEYS.toLocaleString('en')} hot keys (~1 KB JSON values), every read a hit, one call in flight. Each library in its in-process configuration, sized to hold all ${KEYS.toLocaleString('en')} keys.`,
  async run(context) {
    const items = makeItems(KEYS)
    const order = readOrder(KEYS)
    const config = (id: string) => ({
      mode: 'memory' as const,
      redis: context.redis,
      prefix: context.prefix(id),
      keyCount: KEYS,
      l1MaxEntries: KEYS,
      ttlMs: 3_600_000,
    })
    const subjects = [
      await cachekitSubject(config('ck')),
      await cachekitSubject(config('ck-kpc'), { id: 'cachekit-key-per-call', label: 'key built per call', keyPerCall: true }),
      await cachekitSubject(config('ck-nol1'), { id: 'cachekit-no-l1', label: 'memory driver, no l1', l1: false }),
      ...(await peerSubjects(config, { bentoNoSerialize: true })),
    ]
    try {
      for (const subject of subjects) await fill(subject, items)
      const hits = subjects.map((subject) => hitContender(subject, items))
      const contenders: Contender[] = [mapGet(items), lruGet(items, false), lruGet(items, true), ...hits]
      const rows = await measureThroughput(contenders, {
        ...context.options,
        concurrency: 1,
        order,
        baseline: 'lru-await',
        log: context.log,
      })
      const notes = hits
        .filter((hit) => hit.loaderCalls() > 0)
        .map(
          (hit) => `${hit.label}: the loader ran ${hit.loaderCalls()} times during the timed rounds (expected 0: every read should hit).`,
        )
      const ceiling = row(rows, 'lru-await')
      const cachekit = row(rows, 'cachekit')
      const peer = bestPeer(rows)
      const vsCeiling = pairedRatio(cachekit, ceiling)
      const vsPeer = pairedRatio(cachekit, peer)
      const targets: TargetResult[] = [
        {
          description: 'cachekit L1 hit vs the awaited-Promise ceiling (lru-cache get, awaited)',
          target: '≥ 0.5×',
          measured: `${fmtRatio(vsCeiling)} (${formatOps(cachekit?.metrics.opsPerSec ?? 0)} vs ${formatOps(ceiling?.metrics.opsPerSec ?? 0)})`,
          met: vsCeiling >= 0.5,
        },
        {
          description: `cachekit L1 hit vs the best peer (${peer?.label})`,
          target: '≥ 4×',
          measured: `${fmtRatio(vsPeer)} (${formatOps(peer?.metrics.opsPerSec ?? 0)})`,
          met: vsPeer >= 4,
        },
      ]
      return {
        groups: [
          {
            id: 'l1-hit-1',
            title: 'L1 hit, 1 in flight',
            description:
              'Ratios are to `lru-cache get, awaited`. Key objects (cachekit) and key strings (peers) are built before timing, except in the "key built per call" row.',
            baseline: 'lru-await',
            columns: THROUGHPUT_COLUMNS,
            chart: OPS_CHART,
            rows,
          },
        ],
        targets,
        notes,
      }
    } finally {
      await closeAll(subjects)
    }
  },
}
