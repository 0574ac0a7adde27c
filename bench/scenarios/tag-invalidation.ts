/**
 * Scenario 5: tag invalidation. (a) Time to invalidate one tag carried by 100, 10k and
 * 100k entries; cachekit against BentoCache's deleteByTag and a hand-written tag set
 * (SADD per write, SMEMBERS + UNLINK to invalidate). (b) What tags cost on a hit: the
 * same reads with and without tags on the key family, on Redis (64 in flight) and from
 * L1 (1 in flight).
 */
import { BentoCache, bentostore } from 'bentocache'
import { redisDriver } from 'bentocache/drivers/redis'
import { createCachekit, defineKeys, typed } from 'cachekit'
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import { Redis } from 'ioredis'
import { makeItems, readOrder, type Item } from '../harness/data.js'
import { collectGarbage, measureThroughput, type Contender } from '../harness/measure.js'
// A value import of the class (the root exports it as a type only): its prototype says whether the feature exists.
import { CacheService } from '../../src/cache/cache-service.js'
import type { BenchContext, Scenario } from '../harness/scenario.js'
import { median } from '../harness/stats.js'
import type { GroupResult, RowResult, TargetResult } from '../harness/types.js'
import { versionOf } from '../harness/versions.js'
import { fmtRatio, OPS_CHART, pairedRatio, REDIS_COLUMNS, row } from './common.js'

const SIZES = [100, 10_000, 100_000]
const HIT_KEYS = 10_000
const TAG_SET_REPETITIONS = 3

type InvalidateTags = (tags: readonly string[]) => Promise<unknown>

function invalidateTagsOf(cache: unknown): InvalidateTags | undefined {
  const method = (cache as { invalidateTags?: InvalidateTags }).invalidateTags
  return typeof method === 'function' ? method.bind(cache) : undefined
}

export const tagInvalidation: Scenario = {
  name: 'tag-invalidation',
  title: 'Tag invalidation',
  description: `(a) Time for one call that invalidates a tag carried by ${SIZES.map((n) => n.toLocaleString('en')).join(' / ')} entries (~100 B values on Redis), the sizes interleaved. (b) Hit throughput of a key family with two tags per entry against the same family without tags.`,
  pending: () => (invalidateTagsOf(CacheService.prototype) ? undefined : 'kit.cache.invalidateTags is not in src/ yet (issue 4)'),
  async run(context) {
    const invalidation = await measureInvalidation(context)
    const hitCost = await measureHitCost(context)
    const groups = [invalidation, ...hitCost]
    const ck = (n: number) => row(invalidation.rows, `cachekit-${n}`)?.metrics.medianMs ?? Number.NaN
    const flat = ck(100_000) / ck(100)
    const redisRows = hitCost[0]!.rows
    const l1Rows = hitCost[1]!.rows
    const targets: TargetResult[] = [
      {
        description: 'cachekit: invalidating a tag over 100k entries vs over 100 entries (median time)',
        target: '≤ 1.5×',
        measured: `${fmtRatio(flat)} (${ck(100_000).toFixed(2)} ms vs ${ck(100).toFixed(2)} ms)`,
        met: flat <= 1.5,
      },
      {
        description: 'hit with tags vs without, Redis, 64 in flight (reported, no target)',
        target: 'report',
        measured: fmtRatio(pairedRatio(row(redisRows, 'cachekit-tags'), row(redisRows, 'cachekit-plain'))),
        met: 'report',
      },
      {
        description: 'hit with tags vs without, L1, 1 in flight (reported, no target)',
        target: 'report',
        measured: fmtRatio(pairedRatio(row(l1Rows, 'cachekit-tags'), row(l1Rows, 'cachekit-plain'))),
        met: 'report',
      },
    ]
    return {
      groups,
      targets,
      notes: [
        `Hit cost is measured in steady state: every key was read once after being written. A read of an entry whose tags this process has no trusted stamp for (not written or announced here, or older than the trust window) costs one GET per such tag first; stamps are trusted 60 s with the bus, up to 100,000 tags per process (TAG_DEFAULTS in src/invalidation/tag-stamps.ts).`,
      ],
    }
  },
}

interface Invalidator {
  id: string
  label: string
  library: string
  kind: RowResult['kind']
  size: number
  fill(): Promise<void>
  invalidate(): Promise<void>
  /** True when a read after invalidation misses (checked once, outside timing). */
  verify(): Promise<boolean>
  close(): Promise<void>
}

async function measureInvalidation(context: BenchContext): Promise<GroupResult> {
  const value = makeItems(1, 100)[0] as Item
  const repetitions = context.options.quick ? 3 : 15
  const invalidators: Invalidator[] = []
  for (const size of SIZES)
    invalidators.push(
      await cachekitInvalidator(context, size, value),
      await bentoInvalidator(context, size, value),
      await tagSetInvalidator(context, size, value),
    )
  try {
    for (const invalidator of invalidators) {
      context.log(`  filling ${invalidator.id} (${invalidator.size.toLocaleString('en')} entries)`)
      await invalidator.fill()
    }
    const times = new Map<Invalidator, number[]>(invalidators.map((inv) => [inv, []]))
    for (let repetition = 0; repetition < repetitions; repetition++) {
      for (let step = 0; step < invalidators.length; step++) {
        const invalidator = invalidators[(repetition + step) % invalidators.length]!
        // The hand-written tag set deletes its entries: refill it outside the timing, and
        // time it fewer times (a 100k refill costs seconds and its time grows with N anyway).
        if (invalidator.id === 'tag-set') {
          if (repetition >= TAG_SET_REPETITIONS) continue
          if (repetition > 0) await invalidator.fill()
        }
        collectGarbage()
        const started = performance.now()
        await invalidator.invalidate()
        times.get(invalidator)!.push(performance.now() - started)
      }
    }
    const verified = await Promise.all(invalidators.map((inv) => inv.verify()))
    const rows: RowResult[] = invalidators.map((inv, index) => {
      const list = times.get(inv)!
      return {
        id: `${inv.id}-${inv.size}`,
        label: `${inv.label}, ${inv.size.toLocaleString('en')} entries${verified[index] ? '' : ' (READ AFTER INVALIDATION STILL HIT)'}`,
        library: inv.library,
        version: versionOf(inv.library),
        kind: inv.kind,
        metrics: { medianMs: round3(median(list)), maxMs: round3(Math.max(...list)) },
      }
    })
    return {
      id: 'tag-invalidate',
      title: 'Invalidate one tag',
      description: `Median and max of ${repetitions} calls per size (${TAG_SET_REPETITIONS} for the hand-written tag set, which must be refilled each time), interleaved. A read after the last invalidation is checked to miss.`,
      columns: [
        { metric: 'medianMs', label: 'time (median)', format: 'ms' },
        { metric: 'maxMs', label: 'time (max)', format: 'ms' },
      ],
      chart: { metric: 'medianMs', label: 'ms per invalidation (lower is better)', format: 'ms', higherIsBetter: false },
      rows,
    }
  } finally {
    await Promise.all(invalidators.map((inv) => inv.close().catch(() => undefined)))
  }
}

async function cachekitInvalidator(context: BenchContext, size: number, value: Item): Promise<Invalidator> {
  const keys = defineKeys({ tagged: { template: 'tagged:{id}', ttl: '1h', value: typed<Item>(), tags: ['group'] } })
  const kit = createCachekit({ driver: ioredisDriver({ url: context.redis.url }), prefix: context.prefix(`ck-${size}`), keys })
  await kit.ready()
  const invalidate = invalidateTagsOf(kit.cache) as InvalidateTags
  return {
    id: 'cachekit',
    label: 'cachekit invalidateTags',
    library: 'cachekit',
    kind: 'cachekit',
    size,
    fill: async () => {
      for (let start = 0; start < size; start += 1000) {
        await kit.cache.setMany(
          Array.from({ length: Math.min(1000, size - start) }, (_, i) => ({ key: keys.tagged({ id: start + i }), value })),
        )
      }
    },
    invalidate: async () => void (await invalidate(['group'])),
    verify: async () => {
      let loaded = false
      await kit.cache.getOrSet(keys.tagged({ id: 0 }), async () => ((loaded = true), value))
      return loaded
    },
    close: () => kit.close(),
  }
}

async function bentoInvalidator(context: BenchContext, size: number, value: Item): Promise<Invalidator> {
  const connection = { host: context.redis.host, port: context.redis.port }
  const bento = new BentoCache({
    default: 'cache',
    prefix: context.prefix(`bento-${size}`),
    stores: { cache: bentostore().useL2Layer(redisDriver({ connection })) },
  })
  return {
    id: 'bentocache',
    label: 'BentoCache deleteByTag',
    library: 'bentocache',
    kind: 'peer',
    size,
    fill: async () => {
      let next = 0
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < size) await bento.set({ key: `tagged:${next++}`, value, tags: ['group'], ttl: '1h' })
        }),
      )
    },
    invalidate: async () => void (await bento.deleteByTag({ tags: ['group'] })),
    verify: async () => {
      let loaded = false
      await bento.getOrSet({ key: 'tagged:0', factory: async () => ((loaded = true), value), ttl: '1h' })
      return loaded
    },
    close: () => bento.disconnect(),
  }
}

/** The hand-written way: a Redis set per tag, SMEMBERS + UNLINK (in batches) to invalidate. */
async function tagSetInvalidator(context: BenchContext, size: number, value: Item): Promise<Invalidator> {
  const client = new Redis(context.redis.url, { enableAutoPipelining: true })
  const prefix = context.prefix(`tagset-${size}`)
  const tagKey = `${prefix}:tag:group`
  const text = JSON.stringify(value)
  return {
    id: 'tag-set',
    label: 'hand-written tag set (SMEMBERS + UNLINK)',
    library: 'ioredis',
    kind: 'baseline',
    size,
    fill: async () => {
      for (let start = 0; start < size; start += 1000) {
        const batch = client.pipeline()
        for (let id = start; id < Math.min(size, start + 1000); id++)
          batch.set(`${prefix}:tagged:${id}`, text, 'PX', 3_600_000).sadd(tagKey, `${prefix}:tagged:${id}`)
        await batch.exec()
      }
    },
    invalidate: async () => {
      const members = await client.smembers(tagKey)
      for (let start = 0; start < members.length; start += 1000) await client.unlink(...members.slice(start, start + 1000))
      await client.unlink(tagKey)
    },
    verify: async () => (await client.get(`${prefix}:tagged:0`)) === null,
    close: async () => void (await client.quit()),
  }
}

async function measureHitCost(context: BenchContext): Promise<GroupResult[]> {
  const items = makeItems(HIT_KEYS)
  const order = readOrder(HIT_KEYS)
  const groups: GroupResult[] = []
  for (const tier of ['redis', 'l1'] as const) {
    const kits = await Promise.all(
      (['plain', 'tags'] as const).map(async (variant) => {
        const keys =
          variant === 'tags'
            ? defineKeys({ item: { template: 'item:{id}', ttl: '1h', value: typed<Item>(), tags: ({ id }) => [`item:${id}`, 'items'] } })
            : defineKeys({ item: { template: 'item:{id}', ttl: '1h', value: typed<Item>() } })
        const kit = createCachekit({
          driver: ioredisDriver({ url: context.redis.url }),
          prefix: context.prefix(`hit-${tier}-${variant}`),
          keys,
          l1: tier === 'l1' ? { maxEntries: HIT_KEYS } : false,
        })
        await kit.ready()
        const built = Array.from({ length: HIT_KEYS }, (_, id) => keys.item({ id }))
        for (let id = 0; id < HIT_KEYS; id++) await kit.cache.getOrSet(built[id]!, async () => items[id]!)
        // Steady state: read every key once, so this process knows every tag's stamp (the
        // first read of an entry whose tags it has not seen asks Redis for their stamps).
        for (let id = 0; id < HIT_KEYS; id++) await kit.cache.getOrSet(built[id]!, async () => items[id]!)
        let loads = 0
        const contender: Contender = {
          id: `cachekit-${variant}`,
          label: variant === 'tags' ? 'cachekit, 2 tags per entry' : 'cachekit, no tags',
          library: 'cachekit',
          kind: 'cachekit',
          op: (id) => kit.cache.getOrSet(built[id]!, async () => (loads++, items[id]!)),
        }
        return { kit, contender, loads: () => loads }
      }),
    )
    try {
      const concurrency = tier === 'redis' ? 64 : 1
      context.log(`  hit cost, ${tier}, ${concurrency} in flight`)
      const rows = await measureThroughput(
        kits.map((k) => k.contender),
        { ...context.options, concurrency, order, baseline: 'cachekit-plain', commandStats: context.commandStats, log: context.log },
      )
      groups.push({
        id: `tag-hit-${tier}`,
        title: tier === 'redis' ? 'Hit with and without tags, Redis, 64 in flight' : 'Hit with and without tags, L1, 1 in flight',
        description: 'Ratios are to the same family without tags.',
        baseline: 'cachekit-plain',
        columns: REDIS_COLUMNS,
        chart: OPS_CHART,
        rows,
      })
    } finally {
      await Promise.all(kits.map((k) => k.kit.close()))
    }
  }
  return groups
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}
