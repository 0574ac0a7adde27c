/**
 * Exactness under concurrency: many requests at once against limit L allow exactly L.
 * Across 4 processes on one Redis and on the Cluster (forked workers, all firing at once),
 * and in one process on the memory driver and the Upstash stand-in. Each check is one
 * atomic script, so no interleaving can let an extra request through.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createCachekit } from '../../src/kit.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { upstashDriver } from '../../src/drivers/upstash/index.js'
import { uniquePrefix } from '../support/targets.js'
import { EXACT_LIMIT, exactPolicies, type ExactPolicy } from './fixtures/exact-policies.js'

const WORKER = fileURLToPath(new URL('./fixtures/rate-limit-worker.ts', import.meta.url))
const PROCESSES = 4
const CALLS_PER_PROCESS = 40
const POLICIES = Object.keys(exactPolicies) as ExactPolicy[]

interface Tally {
  allowed: number
  denied: number
  degraded: number
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`worker exited with ${code} before answering`))
    child.once('exit', onExit)
    child.once('message', (value) => {
      child.off('exit', onExit)
      resolve(value as T)
    })
  })
}

describe(`${PROCESSES} processes x ${CALLS_PER_PROCESS} concurrent requests against limit ${EXACT_LIMIT}`, () => {
  const prefix = uniquePrefix('rl-exact')
  let workers: ChildProcess[] = []

  beforeAll(async () => {
    workers = Array.from({ length: PROCESSES }, () =>
      fork(WORKER, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    )
    const ready = workers.map((worker) => nextMessage(worker))
    for (const worker of workers) worker.send({ url: inject('redisUrl'), cluster: inject('clusterNodes'), prefix })
    await Promise.all(ready)
  })
  afterAll(async () => {
    const exited = workers.map(
      (worker) => new Promise((resolve) => (worker.exitCode === null ? worker.once('exit', resolve) : resolve(undefined))),
    )
    for (const worker of workers) if (worker.connected) worker.send('exit')
    await Promise.race([Promise.all(exited), new Promise((resolve) => setTimeout(resolve, 5_000).unref())])
    for (const worker of workers) if (worker.exitCode === null) worker.kill()
  })

  async function runEverywhere(target: 'redis' | 'cluster', policy: ExactPolicy): Promise<Tally> {
    const identifier = `user:${policy}@example.com`
    const answers = workers.map((worker) => nextMessage<Tally>(worker))
    for (const worker of workers) worker.send({ target, policy, identifier, calls: CALLS_PER_PROCESS })
    const tallies = await Promise.all(answers)
    return tallies.reduce((sum, t) => ({
      allowed: sum.allowed + t.allowed,
      denied: sum.denied + t.denied,
      degraded: sum.degraded + t.degraded,
    }))
  }

  it.each(POLICIES)('%s on one Redis allows exactly the limit', async (policy) => {
    expect(await runEverywhere('redis', policy)).toEqual({
      allowed: EXACT_LIMIT,
      denied: PROCESSES * CALLS_PER_PROCESS - EXACT_LIMIT,
      degraded: 0,
    })
  })

  it.each(POLICIES)('%s on the Redis Cluster allows exactly the limit', async (policy) => {
    expect(await runEverywhere('cluster', policy)).toEqual({
      allowed: EXACT_LIMIT,
      denied: PROCESSES * CALLS_PER_PROCESS - EXACT_LIMIT,
      degraded: 0,
    })
  })
})

// A generous timeout on the Upstash stand-in: a timeout on a loaded machine would be a denial.
const inProcess = [
  { name: 'memory', createDriver: () => memoryDriver() },
  {
    name: 'upstash',
    createDriver: () => upstashDriver({ url: inject('upstashUrl'), token: inject('upstashToken'), commandTimeoutMs: 10_000 }),
  },
]

describe.each(inProcess)('$name: 160 concurrent requests in one process', ({ createDriver }) => {
  it.each(POLICIES)('%s allows exactly the limit', async (policy) => {
    const kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('rl-exact'), rateLimits: exactPolicies })
    try {
      const results = await Promise.all(
        Array.from({ length: PROCESSES * CALLS_PER_PROCESS }, () => kit.rateLimits.limit(policy, 'one-identifier')),
      )
      expect(results.filter((result) => result.allowed)).toHaveLength(EXACT_LIMIT)
      expect(results.filter((result) => result.degraded)).toHaveLength(0)
      // Each allowed request saw its own remaining count: the counts are a permutation of L-1 .. 0.
      expect(
        results
          .filter((result) => result.allowed)
          .map((result) => result.remaining)
          .sort((a, b) => a - b),
      ).toEqual(Array.from({ length: EXACT_LIMIT }, (_, i) => i))
    } finally {
      await kit.close()
    }
  })
})
