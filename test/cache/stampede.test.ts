import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { describe, expect, inject, it } from 'vitest'
import { uniquePrefix } from '../support/targets.js'

const WORKER = fileURLToPath(new URL('./fixtures/stampede-worker.ts', import.meta.url))

function message<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (value) => resolve(value as T))
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before answering`)))
  })
}

async function runStampede(options: {
  processes: number
  calls: number
  cluster?: boolean
  upstash?: boolean
}): Promise<{ loads: number; values: unknown[] }> {
  const prefix = uniquePrefix('stampede')
  const nodes = inject('clusterNodes')
  const url = options.upstash ? inject('upstashRedisUrl') : inject('redisUrl')
  const counterKey = `${prefix}:loads`
  const upstash = options.upstash ? { url: inject('upstashUrl'), token: inject('upstashToken') } : undefined
  const job = {
    url,
    cluster: options.cluster ? nodes : undefined,
    upstash,
    prefix,
    key: 'hot:1',
    counterKey,
    calls: options.calls,
    loaderMs: 150,
  }
  const children = Array.from({ length: options.processes }, () =>
    fork(WORKER, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  )
  try {
    const ready = children.map((child) => message(child))
    for (const child of children) child.send(job)
    await Promise.all(ready)
    const results = children.map((child) => message<{ values: unknown[] }>(child))
    for (const child of children) child.send('go')
    const values = (await Promise.all(results)).flatMap((result) => result.values)
    const counter = options.cluster ? new Redis.Cluster(nodes) : new Redis(url)
    const loads = Number(await counter.get(counterKey))
    counter.disconnect()
    return { loads, values }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill()
  }
}

describe('stampede protection across processes', () => {
  it('runs the loader once for concurrent misses in 4 processes on one Redis', async () => {
    const { loads, values } = await runStampede({ processes: 4, calls: 25 })
    expect(loads).toBe(1)
    expect(values).toHaveLength(100)
    expect(new Set(values.map((value) => JSON.stringify(value))).size).toBe(1)
  })

  it('runs the loader once across 3 processes on a Redis Cluster', async () => {
    const { loads, values } = await runStampede({ processes: 3, calls: 20, cluster: true })
    expect(loads).toBe(1)
    expect(new Set(values.map((value) => JSON.stringify(value))).size).toBe(1)
  })

  it('runs the loader once across 3 processes over the Upstash REST protocol', async () => {
    const { loads, values } = await runStampede({ processes: 3, calls: 20, upstash: true })
    expect(loads).toBe(1)
    expect(new Set(values.map((value) => JSON.stringify(value))).size).toBe(1)
  })
})
