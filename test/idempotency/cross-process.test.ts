import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { describe, expect, inject, it } from 'vitest'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { createCachekit } from '../../src/kit.js'
import { uniquePrefix } from '../support/targets.js'

const WORKER = fileURLToPath(new URL('./fixtures/duplicate-worker.ts', import.meta.url))

interface Target {
  cluster?: boolean
  upstash?: boolean
}

function message<T>(child: ChildProcess, predicate: (value: unknown) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (value: unknown) => {
      if (!predicate(value)) return
      child.off('message', onMessage)
      resolve(value as T)
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before answering`)))
  })
}

function jobFor(target: Target, mode: 'duplicates' | 'hang', calls: number, leaseMs: number) {
  const prefix = uniquePrefix('idem-fork')
  return {
    mode,
    url: target.upstash ? inject('upstashRedisUrl') : inject('redisUrl'),
    cluster: target.cluster ? inject('clusterNodes') : undefined,
    upstash: target.upstash ? { url: inject('upstashUrl'), token: inject('upstashToken') } : undefined,
    prefix,
    key: 'payment:7',
    counterKey: `${prefix}:runs`,
    calls,
    operationMs: 150,
    leaseMs,
  }
}

async function startWorkers(count: number, job: ReturnType<typeof jobFor>): Promise<ChildProcess[]> {
  const children = Array.from({ length: count }, () =>
    fork(WORKER, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  )
  const ready = children.map((child) => message(child))
  for (const child of children) child.send(job)
  await Promise.all(ready)
  return children
}

async function runs(target: Target, counterKey: string): Promise<number> {
  const counter = target.cluster
    ? new Redis.Cluster(inject('clusterNodes'))
    : new Redis(target.upstash ? inject('upstashRedisUrl') : inject('redisUrl'))
  try {
    return Number(await counter.get(counterKey))
  } finally {
    counter.disconnect()
  }
}

describe('idempotency across processes', () => {
  it.each([
    ['4 processes on one Redis', 4, 10, {}],
    ['3 processes on a Redis Cluster', 3, 10, { cluster: true }],
    ['3 processes over the Upstash REST protocol', 3, 8, { upstash: true }],
  ] as const)('runs the operation exactly once for concurrent duplicates in %s', async (_, processes, calls, target: Target) => {
    const job = jobFor(target, 'duplicates', calls, 30_000)
    const children = await startWorkers(processes, job)
    try {
      const answers = children.map((child) => message<{ values: { ranIn?: number; isDate?: boolean; error?: string }[] }>(child))
      for (const child of children) child.send('go')
      const values = (await Promise.all(answers)).flatMap((answer) => answer.values)
      expect(values.filter((value) => value.error !== undefined)).toEqual([])
      expect(await runs(target, job.counterKey)).toBe(1)
      expect(values).toHaveLength(processes * calls)
      expect(new Set(values.map((value) => value.ranIn)).size).toBe(1)
      expect(values.every((value) => value.isDate)).toBe(true)
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill()
    }
  })

  it('lets another process run the operation after the owner is killed mid-run, once its lease runs out', async () => {
    const job = jobFor({}, 'hang', 1, 300)
    const [owner] = (await startWorkers(1, job)) as [ChildProcess]
    const kit = createCachekit({ driver: ioredisDriver({ url: job.url }), prefix: job.prefix })
    try {
      const running = message(owner, (value) => (value as { running?: boolean }).running === true)
      owner.send('go')
      await running
      owner.kill('SIGKILL')
      const startedAt = Date.now()
      const value = await kit.idempotency.run(job.key, async () => ({ ranIn: process.pid }), { wait: '10s', payload: { order: job.key } })
      expect(value).toEqual({ ranIn: process.pid })
      expect(Date.now() - startedAt).toBeLessThan(5_000)
      expect(await runs({}, job.counterKey)).toBe(1)
    } finally {
      if (owner.exitCode === null) owner.kill('SIGKILL')
      await kit.close()
    }
  })
})
