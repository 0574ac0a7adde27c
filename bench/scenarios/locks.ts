/**
 * Scenario 7b: lock acquire + release cycles per second on 16 resources, 16 cycles in
 * flight (each on a free resource: no contention, so every acquire succeeds at once).
 * Baseline: SET NX PX and a compare-and-delete EVALSHA. Peers: redis-semaphore (Mutex)
 * and redlock (one ioredis client).
 */
import { createHash, randomUUID } from 'node:crypto'
import { createCachekit } from 'cachekit'
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import { Redis } from 'ioredis'
import { Mutex } from 'redis-semaphore'
import Redlock from 'redlock'
import { readOrder } from '../harness/data.js'
import { formatOps, measureThroughput, type Contender } from '../harness/measure.js'
import type { Scenario } from '../harness/scenario.js'
import type { TargetResult } from '../harness/types.js'
import { versionOf } from '../harness/versions.js'
import { fmtRatio, OPS_CHART, pairedRatio, REDIS_COLUMNS, row } from './common.js'

const RESOURCES = 16
const TTL_MS = 10_000

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

type LocksApi = { acquire(resource: string, options: { ttl: number }): Promise<{ release(): Promise<void> }> }

export const locks: Scenario = {
  name: 'locks',
  title: 'Lock acquire + release',
  description: `${RESOURCES} resources, ${RESOURCES} acquire+release cycles in flight, each on a resource no one else holds (no contention: every acquire succeeds at once), TTL ${TTL_MS / 1000} s. One cycle is one operation.`,
  async run(context) {
    const order = readOrder(RESOURCES)
    const closers: (() => Promise<unknown>)[] = []
    try {
      const free = Array.from({ length: RESOURCES }, (_, n) => n)
      // Each cycle takes a free resource and gives it back: with as many cycles in flight as resources, one is always free.
      const cycle = (name: (n: number) => string, body: (resource: string) => Promise<unknown>) => async () => {
        const n = free.pop() as number
        try {
          await body(name(n))
        } finally {
          free.push(n)
        }
      }

      const raw = new Redis(context.redis.url, { enableAutoPipelining: true })
      closers.push(() => raw.quit())
      const sha = createHash('sha1').update(RELEASE_LUA).digest('hex')
      await raw.script('LOAD', RELEASE_LUA)
      const rawPrefix = context.prefix('raw')
      const contenders: Contender[] = [
        {
          id: 'raw',
          label: 'SET NX PX + Lua release (ioredis, auto-pipelining)',
          library: 'ioredis',
          kind: 'baseline',
          op: cycle(
            (n) => `${rawPrefix}:${n}`,
            async (key) => {
              const token = randomUUID()
              if ((await raw.set(key, token, 'PX', TTL_MS, 'NX')) !== 'OK') throw new Error('raw lock not acquired')
              await raw.evalsha(sha, 1, key, token)
            },
          ),
        },
      ]

      const semaphoreClient = new Redis(context.redis.url)
      closers.push(() => semaphoreClient.quit())
      const semaphorePrefix = context.prefix('sem')
      contenders.push({
        id: 'redis-semaphore',
        label: 'redis-semaphore (Mutex)',
        library: 'redis-semaphore',
        kind: 'peer',
        op: cycle(
          (n) => `${semaphorePrefix}:${n}`,
          async (key) => {
            const mutex = new Mutex(semaphoreClient, key, { lockTimeout: TTL_MS })
            await mutex.acquire()
            await mutex.release()
          },
        ),
      })

      const redlockClient = new Redis(context.redis.url)
      closers.push(() => redlockClient.quit())
      const redlock = new Redlock([redlockClient])
      const redlockPrefix = context.prefix('redlock')
      contenders.push({
        id: 'redlock',
        label: 'redlock',
        library: 'redlock',
        kind: 'peer',
        op: cycle(
          (n) => `${redlockPrefix}:${n}`,
          async (key) => {
            const lock = await redlock.acquire([key], TTL_MS)
            await lock.release()
          },
        ),
      })

      const kit = createCachekit({ driver: ioredisDriver({ url: context.redis.url }), prefix: context.prefix('ck') })
      closers.push(() => kit.close())
      const api = (kit as unknown as { locks?: LocksApi }).locks
      if (api) {
        contenders.push({
          id: 'cachekit',
          label: 'cachekit kit.locks.acquire + release',
          library: 'cachekit',
          kind: 'cachekit',
          op: cycle(
            (n) => `resource-${n}`,
            async (resource) => {
              const lock = await api.acquire(resource, { ttl: TTL_MS })
              await lock.release()
            },
          ),
        })
      }

      const rows = await measureThroughput(contenders, {
        ...context.options,
        concurrency: RESOURCES,
        order,
        baseline: 'raw',
        commandStats: context.commandStats,
        log: context.log,
      })
      if (!api)
        rows.push({
          id: 'cachekit',
          label: 'cachekit kit.locks',
          library: 'cachekit',
          version: versionOf('cachekit'),
          kind: 'cachekit',
          metrics: {},
          pending: 'kit.locks is not in src/kit.ts yet (issue 5)',
        })
      const cachekit = row(rows, 'cachekit')
      const semaphore = row(rows, 'redis-semaphore')
      const ratio = pairedRatio(cachekit, semaphore)
      const targets: TargetResult[] = api
        ? [
            {
              description: 'cachekit vs redis-semaphore, acquire+release cycles',
              target: '≥ 1.1×',
              measured: `${fmtRatio(ratio)} (${formatOps(cachekit?.metrics.opsPerSec ?? 0)} vs ${formatOps(semaphore?.metrics.opsPerSec ?? 0)})`,
              met: ratio >= 1.1,
            },
            {
              description: 'cachekit commands sent per cycle (two round trips)',
              target: '2',
              measured: `${cachekit?.metrics.sentPerOp} sent (${cachekit?.metrics.commandsPerOp} executed, counting commands inside scripts)`,
              met: cachekit?.metrics.sentPerOp === 2,
            },
          ]
        : [
            {
              description: 'cachekit vs redis-semaphore (≥ 1.1×, two round trips per cycle)',
              target: '≥ 1.1×, 2 commands',
              measured: 'pending: kit.locks not built yet',
              met: null,
            },
          ]
      return {
        groups: [
          {
            id: 'locks-16',
            title: `Acquire + release, ${RESOURCES} in flight`,
            description: 'Ratios are to SET NX PX + Lua release.',
            baseline: 'raw',
            columns: REDIS_COLUMNS,
            chart: OPS_CHART,
            rows,
          },
        ],
        targets,
        notes: [],
      }
    } finally {
      for (const close of closers.reverse()) await close().catch(() => undefined)
    }
  },
}
