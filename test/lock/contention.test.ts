/**
 * Locks across processes on real Redis and a real Cluster: forked workers contend for
 * one lock (mutual exclusion must keep a non-atomic counter exact) and one semaphore
 * (never more holders than its limit), and a holder paused with SIGSTOP past its TTL
 * loses to the next owner's larger fencing token.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { createCachekit } from '../../src/kit.js'
import { uniquePrefix } from '../support/targets.js'
import { FENCED_WRITE_LUA } from './fixtures/fenced-write.js'

const WORKER = fileURLToPath(new URL('./fixtures/lock-worker.ts', import.meta.url))

function spawnWorker(): ChildProcess {
  return fork(WORKER, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`worker exited with ${code} before answering`))
    child.once('exit', onExit)
    child.once('message', (message: T & { error?: string }) => {
      child.off('exit', onExit)
      if (message.error) reject(new Error(`worker failed: ${message.error}`))
      else resolve(message)
    })
  })
}

let workers: ChildProcess[] = []

beforeAll(async () => {
  workers = Array.from({ length: 4 }, spawnWorker)
  await Promise.all(workers.map((worker) => nextMessage(worker)))
})
afterAll(() => {
  for (const worker of workers) if (worker.exitCode === null) worker.kill()
})

async function runAll(jobs: object[]): Promise<unknown[]> {
  const answers = jobs.map((_, index) => nextMessage<{ done: unknown }>(workers[index] as ChildProcess))
  jobs.forEach((job, index) => workers[index]?.send(job))
  return (await Promise.all(answers)).map((answer) => answer.done)
}

describe.each([
  { name: 'Redis', processes: 4, iterations: 30, cluster: false },
  { name: 'a Redis Cluster', processes: 3, iterations: 25, cluster: true },
])('mutual exclusion across $processes processes on $name', ({ processes, iterations, cluster }) => {
  it('keeps a GET-then-SET counter exact under heavy contention', async () => {
    const target = { url: inject('redisUrl'), cluster: cluster ? inject('clusterNodes') : undefined, prefix: uniquePrefix('contend') }
    const counterKey = `${target.prefix}:plain-counter`
    await runAll(Array.from({ length: processes }, () => ({ ...target, type: 'increment', counterKey, iterations })))
    const raw = cluster ? new Cluster(inject('clusterNodes')) : new Redis(inject('redisUrl'))
    try {
      expect(Number(await raw.get(counterKey))).toBe(processes * iterations)
      const kit = createCachekit({
        driver: cluster ? ioredisDriver({ cluster: inject('clusterNodes') }) : ioredisDriver({ url: inject('redisUrl') }),
        prefix: target.prefix,
      })
      const after = await kit.locks.acquire('shared-counter')
      // Every acquisition incremented the fencing counter exactly once.
      expect(after.fencingToken).toBe(processes * iterations + 1)
      await after.release()
      await kit.close()
    } finally {
      raw.disconnect()
    }
  })
})

describe('a semaphore across 4 processes on Redis', () => {
  it('never admits more holders than its limit', async () => {
    const target = { url: inject('redisUrl'), prefix: uniquePrefix('permits') }
    const job = {
      ...target,
      type: 'permit',
      gaugeKey: `${target.prefix}:gauge`,
      seenKey: `${target.prefix}:seen`,
      limit: 3,
      iterations: 15,
    }
    await runAll(Array.from({ length: 4 }, () => job))
    const raw = new Redis(inject('redisUrl'))
    try {
      const seen = (await raw.lrange(job.seenKey, 0, -1)).map(Number)
      expect(seen).toHaveLength(60)
      expect(Math.max(...seen)).toBeLessThanOrEqual(3)
      expect(Math.max(...seen)).toBeGreaterThan(1)
      expect(await raw.get(job.gaugeKey)).toBe('0')
    } finally {
      raw.disconnect()
    }
  })
})

describe('a holder paused (SIGSTOP) past its TTL, on Redis', () => {
  it('loses: its signal fires, the new owner has a larger token, and its late write is refused', async () => {
    const worker = spawnWorker()
    const prefix = uniquePrefix('paused')
    const ledgerKeys: [string, string] = [`{${prefix}}:highest`, `{${prefix}}:entries`]
    const raw = new Redis(inject('redisUrl'))
    const kit = createCachekit({ driver: ioredisDriver({ url: inject('redisUrl') }), prefix })
    try {
      await nextMessage(worker)
      const held = nextMessage<{ held: number }>(worker)
      worker.send({ type: 'hold', url: inject('redisUrl'), prefix, ttlMs: 300, ledgerKeys })
      const { held: lateToken } = await held
      expect(await raw.eval(FENCED_WRITE_LUA, 2, ...ledgerKeys, String(lateToken), 'late holder, before the pause')).toBe(1)

      process.kill(worker.pid as number, 'SIGSTOP')
      const next = await kit.locks.acquire('ledger', { wait: '5s', retry: { initialDelay: 10, maxDelay: 50 } })
      expect(next.fencingToken).toBeGreaterThan(lateToken)
      expect(await raw.eval(FENCED_WRITE_LUA, 2, ...ledgerKeys, String(next.fencingToken), 'new owner')).toBe(1)
      process.kill(worker.pid as number, 'SIGCONT')

      const report = nextMessage<{ aborted: boolean; reason: string; accepted: number; release: string }>(worker)
      worker.send('check')
      expect(await report).toEqual({ aborted: true, reason: 'LOCK_LOST', accepted: 0, release: 'LOCK_LOST' })
      expect(await next.isHeld()).toBe(true)
      expect(await raw.lrange(ledgerKeys[1], 0, -1)).toEqual(['late holder, before the pause', 'new owner'])
      await next.release()
    } finally {
      if (worker.exitCode === null) {
        process.kill(worker.pid as number, 'SIGCONT')
        worker.kill()
      }
      raw.disconnect()
      await kit.close()
    }
  })
})
