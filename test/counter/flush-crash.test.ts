/**
 * Write-behind flushes survive a flusher killed mid-batch: a forked worker takes a batch
 * and hangs in its handler, the test SIGKILLs it, and the next flush recovers the batch
 * under its original id. No increment is lost; a batch the dead worker had applied is
 * handed over again with the same id, so the handler can (and here does) skip it.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Cluster, Redis } from 'ioredis'
import { describe, expect, inject, it } from 'vitest'
import type { CounterBatch } from '../../src/counter/index.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { createCachekit } from '../../src/kit.js'
import { uniquePrefix } from '../support/targets.js'
import { redisDatabase, type AppliedBatch } from './fixtures/redis-database.js'

// Not a timeout test: the default 500 ms command timeout is exceeded on a loaded 2-core machine.
const LOADED_TIMEOUT_MS = 5_000
const WORKER = fileURLToPath(new URL('./fixtures/flush-worker.ts', import.meta.url))

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`worker exited with ${code} before answering`))
    child.once('exit', onExit)
    child.once('message', (message: T) => {
      child.off('exit', onExit)
      resolve(message)
    })
  })
}

describe.each([
  { target: 'Redis', cluster: false, applyBeforeHanging: false },
  { target: 'a Redis Cluster', cluster: true, applyBeforeHanging: true },
])('a flusher SIGKILLed mid-batch on $target', ({ cluster, applyBeforeHanging }) => {
  it(`loses no increment and applies none twice (the dead flusher ${applyBeforeHanging ? 'had' : 'had not'} applied its batch)`, async () => {
    const nodes = inject('clusterNodes')
    const url = inject('redisUrl')
    const prefix = uniquePrefix('crash')
    const databaseTag = `${prefix}:db`
    const raw = cluster ? new Cluster(nodes) : new Redis(url)
    const database = redisDatabase(raw, databaseTag)
    const kit = createCachekit({
      driver: cluster
        ? ioredisDriver({ cluster: nodes, commandTimeoutMs: LOADED_TIMEOUT_MS })
        : ioredisDriver({ url, commandTimeoutMs: LOADED_TIMEOUT_MS }),
      prefix,
    })
    const views = kit.counters.family('video:views', { writeBehind: true })
    const worker = fork(WORKER, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    try {
      const ids = Array.from({ length: 12 }, (_, i) => `video-${i}`)
      await Promise.all(ids.flatMap((id, i) => Array.from({ length: i + 1 }, () => views.incr(id))))
      await nextMessage(worker)

      const taken = nextMessage<{ batch: AppliedBatch & { recovered: boolean } }>(worker)
      worker.send({ url, cluster: cluster ? nodes : undefined, prefix, databaseTag, applyBeforeHanging, batchSize: 5, lockTtlMs: 400 })
      const { batch: deadBatch } = await taken
      expect(deadBatch.deltas).toHaveLength(5)
      expect(deadBatch.recovered).toBe(false)

      // Increments keep coming while the flusher hangs, to counters in and out of its batch.
      await Promise.all(ids.map((id) => views.incr(id, 100)))
      const exited = new Promise((resolve) => worker.once('exit', resolve))
      worker.kill('SIGKILL')
      await exited

      const delivered: CounterBatch[] = []
      const applied: boolean[] = []
      const result = await views.flush(
        async (batch) => {
          delivered.push(batch)
          applied.push(await database.apply(batch))
        },
        { batchSize: 5, wait: '10s', lockTtl: 400 },
      )

      const byId = (deltas: readonly { id: string; delta: number }[]) => [...deltas].sort((a, b) => a.id.localeCompare(b.id))
      expect(delivered[0]).toMatchObject({ id: deadBatch.id, recovered: true })
      expect(byId(delivered[0]?.deltas ?? [])).toEqual(byId(deadBatch.deltas))
      expect(result.recovered).toBe(1)
      expect(applied[0]).toBe(!applyBeforeHanging)
      expect(applied.slice(1).every(Boolean)).toBe(true)
      const counters = await views.getMany(ids)
      expect(counters).toEqual(ids.map((_, i) => i + 1 + 100))
      expect(await database.views()).toEqual(Object.fromEntries(ids.map((id, i) => [id, counters[i]])))
      expect(await views.flush(async () => undefined)).toEqual({ batches: 0, counters: 0, recovered: 0 })
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL')
      raw.disconnect()
      await kit.close()
    }
  })
})
