/**
 * Scenario 7a: rate-limit checks per second, 64 in flight, 1,000 identities, a limit no
 * one reaches (every check is allowed and counted). Baseline: one EVALSHA of a minimal
 * fixed-window script per check. Peers: rate-limiter-flexible (RateLimiterRedis.consume)
 * and express-rate-limit's Redis store (rate-limit-redis, RedisStore.increment: the call
 * the middleware makes per request).
 */
import { createHash } from 'node:crypto'
import { createCachekit } from 'cachekit'
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import { Redis } from 'ioredis'
import { RateLimiterRedis } from 'rate-limiter-flexible'
import { RedisStore } from 'rate-limit-redis'
import type { Options as ExpressRateLimitOptions } from 'express-rate-limit'
import { readOrder } from '../harness/data.js'
import { formatOps, measureThroughput, type Contender } from '../harness/measure.js'
import type { Scenario } from '../harness/scenario.js'
import type { RowResult, TargetResult } from '../harness/types.js'
import { versionOf } from '../harness/versions.js'
import { fmtRatio, OPS_CHART, pairedRatio, REDIS_COLUMNS, row } from './common.js'

const IDENTITIES = 1_000
const LIMIT = 1_000_000_000
const WINDOW_MS = 3_600_000
const CONCURRENCY = 64

// The smallest correct fixed window: count, and start the window's expiry on the first hit.
const FIXED_WINDOW_LUA = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`

/** What the bench needs of `kit.rateLimits.limit`, looked up at run time so the file compiles before the feature exists. */
type RateLimitFn = (policy: string, identifier: string) => Promise<{ allowed: boolean }>

export const rateLimit: Scenario = {
  name: 'rate-limit',
  title: 'Rate-limit checks',
  description: `${CONCURRENCY} checks in flight over ${IDENTITIES.toLocaleString('en')} identities, fixed window of 1 h with a limit no one reaches, so every check is counted and allowed. Redis commands per check come from INFO commandstats.`,
  async run(context) {
    const order = readOrder(IDENTITIES)
    const ids = Array.from({ length: IDENTITIES }, (_, n) => `user-${n}`)
    const closers: (() => Promise<unknown>)[] = []
    try {
      const raw = new Redis(context.redis.url, { enableAutoPipelining: true })
      closers.push(() => raw.quit())
      const sha = createHash('sha1').update(FIXED_WINDOW_LUA).digest('hex')
      await raw.script('LOAD', FIXED_WINDOW_LUA)
      const rawPrefix = context.prefix('raw')
      const rawKeys = ids.map((id) => `${rawPrefix}:${id}`)
      const contenders: Contender[] = [
        {
          id: 'evalsha',
          label: 'one EVALSHA per check (ioredis, auto-pipelining)',
          library: 'ioredis',
          kind: 'baseline',
          op: (key) => raw.evalsha(sha, 1, rawKeys[key]!, WINDOW_MS),
        },
      ]

      // rate-limiter-flexible's README: an ioredis client with the offline queue disabled.
      const flexibleClient = new Redis(context.redis.url, { enableOfflineQueue: false })
      closers.push(() => flexibleClient.quit())
      await new Promise((resolve) => flexibleClient.once('ready', resolve))
      const flexible = new RateLimiterRedis({
        storeClient: flexibleClient,
        keyPrefix: context.prefix('rlf'),
        points: LIMIT,
        duration: WINDOW_MS / 1000,
      })
      contenders.push({
        id: 'rate-limiter-flexible',
        label: 'rate-limiter-flexible (RateLimiterRedis)',
        library: 'rate-limiter-flexible',
        kind: 'peer',
        op: (key) => flexible.consume(ids[key]!),
      })

      // rate-limit-redis's README for ioredis: sendCommand through client.call.
      const storeClient = new Redis(context.redis.url)
      closers.push(() => storeClient.quit())
      const store = new RedisStore({
        sendCommand: (command: string, ...args: string[]) => storeClient.call(command, ...args) as never,
        prefix: `${context.prefix('rlr')}:`,
      })
      store.init({ windowMs: WINDOW_MS } as ExpressRateLimitOptions)
      contenders.push({
        id: 'rate-limit-redis',
        label: "express-rate-limit's RedisStore (rate-limit-redis)",
        library: 'rate-limit-redis',
        kind: 'peer',
        op: (key) => store.increment(ids[key]!),
      })

      const kit = createCachekit({
        driver: ioredisDriver({ url: context.redis.url }),
        prefix: context.prefix('ck'),
        rateLimits: { api: { algorithm: 'fixed-window', limit: LIMIT, window: WINDOW_MS } },
      } as never)
      closers.push(() => kit.close())
      const rateLimits = (kit as unknown as { rateLimits?: { limit?: RateLimitFn } }).rateLimits
      const limit = rateLimits?.limit?.bind(rateLimits)
      if (limit)
        contenders.push({
          id: 'cachekit',
          label: "cachekit kit.rateLimits.limit ('fixed-window')",
          library: 'cachekit',
          kind: 'cachekit',
          op: (key) => limit('api', ids[key]!),
        })

      const rows = await measureThroughput(contenders, {
        ...context.options,
        concurrency: CONCURRENCY,
        order,
        baseline: 'evalsha',
        commandStats: context.commandStats,
        log: context.log,
      })
      if (!limit) rows.push(pendingRow('kit.rateLimits.limit is not in src/kit.ts yet (issue 5)'))
      const cachekit = row(rows, 'cachekit')
      const flexibleRow = row(rows, 'rate-limiter-flexible')
      const vsFlexible = pairedRatio(cachekit, flexibleRow)
      const targets: TargetResult[] = limit
        ? [
            {
              description: 'cachekit vs rate-limiter-flexible, 64 in flight',
              target: '≥ 1.2×',
              measured: `${fmtRatio(vsFlexible)} (${formatOps(cachekit?.metrics.opsPerSec ?? 0)} vs ${formatOps(flexibleRow?.metrics.opsPerSec ?? 0)})`,
              met: vsFlexible >= 1.2,
            },
            {
              description: 'cachekit commands sent per check',
              target: '1',
              measured: `${cachekit?.metrics.sentPerOp} sent (${cachekit?.metrics.commandsPerOp} executed, counting commands inside scripts)`,
              met: cachekit?.metrics.sentPerOp === 1,
            },
          ]
        : [
            {
              description: 'cachekit vs rate-limiter-flexible (≥ 1.2×, one Redis command per check)',
              target: '≥ 1.2×, 1 command',
              measured: 'pending: kit.rateLimits.limit not built yet',
              met: null,
            },
          ]
      return {
        groups: [
          {
            id: 'rate-limit-64',
            title: `Rate-limit checks, ${CONCURRENCY} in flight`,
            description: 'Ratios are to one EVALSHA per check.',
            baseline: 'evalsha',
            columns: REDIS_COLUMNS,
            chart: OPS_CHART,
            rows,
          },
        ],
        targets,
        notes: [
          "rate-limit-redis is measured through RedisStore.increment, the call express-rate-limit's middleware makes per request; the middleware's own request handling is not included.",
        ],
      }
    } finally {
      for (const close of closers.reverse()) await close().catch(() => undefined)
    }
  },
}

function pendingRow(reason: string): RowResult {
  return {
    id: 'cachekit',
    label: 'cachekit kit.rateLimits.limit',
    library: 'cachekit',
    version: versionOf('cachekit'),
    kind: 'cachekit',
    metrics: {},
    pending: reason,
  }
}
