/**
 * The sliding window is an approximation. docs/rate-limiting.md derives its bound: in any
 * span of time d <= window, it admits at most limit * (1 + d / window) units, so never 2 *
 * limit, while a fixed window admits 2 * limit within 2 ms across a boundary. These tests
 * hold the algorithm to that bound on random traffic, show that the bound is reached by
 * adversarial traffic (so the docs do not promise more), and check the sliding log, which
 * is exact, never exceeds the limit in any window. Time is passed explicitly to the
 * scripts, on the memory twin and, for the adversarial case, on real Redis.
 */
import type { Redis } from 'ioredis'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Driver } from '../../src/drivers/driver.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { algorithmFor, type RateLimitAlgorithm } from '../../src/ratelimit/algorithms/index.js'
import { resolvePolicy, type RateLimitPolicy } from '../../src/ratelimit/policy.js'
import type { RateLimitReply } from '../../src/scripts/rate-limit-shared.js'
import { parseRateLimitReply } from '../../src/scripts/rate-limit-shared.js'
import { rawRedis, testPrefix } from '../support/raw-redis.js'

// Aligned to every window used here, so window k is [T0 + k * W, T0 + (k + 1) * W).
const T0 = 1_700_000_040_000

interface Arrival {
  atMs: number
  cost: number
}

let redis: Redis
beforeAll(async () => {
  redis = rawRedis()
})
afterAll(async () => {
  await redis.quit()
})

describe('the sliding window approximation bound', () => {
  it('admits at most limit * (1 + d / window) units in any span of length d <= window', async () => {
    const traffic = fc.record({
      limit: fc.integer({ min: 1, max: 8 }),
      arrivals: fc.array(fc.record({ atMs: fc.integer({ min: 0, max: 4_000 }), cost: fc.integer({ min: 1, max: 3 }) }), {
        minLength: 1,
        maxLength: 80,
      }),
    })
    await fc.assert(
      fc.asyncProperty(traffic, async ({ limit, arrivals }) => {
        const policy: RateLimitPolicy = { algorithm: 'sliding-window', limit, window: 1_000 }
        const admitted = await admittedOnMemory(
          policy,
          arrivals.filter((a) => a.cost <= limit),
        )
        expect(worstExcess(admitted, limit, 1_000)).toBeLessThanOrEqual(1e-9)
        for (const windowTotal of perAlignedWindow(admitted, 1_000)) expect(windowTotal).toBeLessThanOrEqual(limit)
      }),
      { numRuns: 200 },
    )
  })

  it('reaches the bound on adversarial traffic: 19 of limit 10 in 54 s of a 60 s window', async () => {
    // Ten at the very end of one window, then a request every 100 ms through the next.
    const arrivals: Arrival[] = [
      ...Array.from({ length: 10 }, () => ({ atMs: 59_999, cost: 1 })),
      ...Array.from({ length: 600 }, (_, i) => ({ atMs: 60_000 + i * 100, cost: 1 })),
    ]
    const policy: RateLimitPolicy = { algorithm: 'sliding-window', limit: 10, window: 60_000 }
    for (const admitted of [await admittedOnMemory(policy, arrivals), await admittedOnRedis(policy, arrivals)]) {
      expect(admitted.filter((a) => a.atMs >= 60_000).map((a) => a.atMs)).toEqual([
        66_000, 72_000, 78_000, 84_000, 90_000, 96_000, 102_000, 108_000, 114_000,
      ])
      const inSpan = admitted.filter((a) => a.atMs >= 59_999 && a.atMs <= 114_000).length
      expect(inSpan).toBe(19)
      // The bound for d = 54_001 ms: 10 * (1 + 54_001 / 60_000) = 19.0002.
      expect(inSpan).toBeLessThanOrEqual(10 * (1 + 54_001 / 60_000))
      expect(worstExcess(admitted, 10, 60_000)).toBeLessThanOrEqual(1e-9)
    }
  })

  it('denies what a floored weight would admit: limit 1, requests at 2 ms and 1001 ms of 1 s windows', async () => {
    // The previous window's request still weighs 0.999 at 1001 ms; floored (as @upstash/ratelimit does) it would weigh 0.
    const admitted = await admittedOnMemory({ algorithm: 'sliding-window', limit: 1, window: 1_000 }, [
      { atMs: 2, cost: 1 },
      { atMs: 1_001, cost: 1 },
    ])
    expect(admitted.map((a) => a.atMs)).toEqual([2])
  })

  it('is far below the fixed window, which admits about 2 * limit within 2 ms across a boundary', async () => {
    // One request opens the window at 0; nine more at its end; ten just after it.
    const arrivals: Arrival[] = [
      { atMs: 0, cost: 1 },
      ...Array.from({ length: 9 }, () => ({ atMs: 59_999, cost: 1 })),
      ...Array.from({ length: 10 }, () => ({ atMs: 60_000, cost: 1 })),
    ]
    const fixed = await admittedOnMemory({ algorithm: 'fixed-window', limit: 10, window: 60_000 }, arrivals)
    const sliding = await admittedOnMemory({ algorithm: 'sliding-window', limit: 10, window: 60_000 }, arrivals)
    expect(fixed.filter((a) => a.atMs >= 59_999)).toHaveLength(19)
    expect(sliding.filter((a) => a.atMs >= 59_999)).toHaveLength(9)
  })
})

describe('the sliding log', () => {
  it('never admits more than limit units in any window', async () => {
    const traffic = fc.record({
      limit: fc.integer({ min: 1, max: 8 }),
      arrivals: fc.array(fc.record({ atMs: fc.integer({ min: 0, max: 4_000 }), cost: fc.integer({ min: 1, max: 3 }) }), {
        minLength: 1,
        maxLength: 80,
      }),
    })
    await fc.assert(
      fc.asyncProperty(traffic, async ({ limit, arrivals }) => {
        const admitted = await admittedOnMemory(
          { algorithm: 'sliding-log', limit, window: 1_000 },
          arrivals.filter((a) => a.cost <= limit),
        )
        for (const [i, first] of admitted.entries()) {
          const inWindow = admitted.slice(i).filter((a) => a.atMs - first.atMs < 1_000)
          expect(inWindow.reduce((sum, a) => sum + a.cost, 0)).toBeLessThanOrEqual(limit)
        }
      }),
      { numRuns: 100 },
    )
  })
})

/**
 * How far the worst span exceeds the bound: over every pair of admitted requests i <= j
 * (a span from one to the other has length d = t_j - t_i), the units admitted between
 * them minus limit * (1 + d / window). Positive means the bound is broken.
 */
function worstExcess(admitted: Arrival[], limit: number, windowMs: number): number {
  let worst = Number.NEGATIVE_INFINITY
  for (let i = 0; i < admitted.length; i++) {
    let units = 0
    for (let j = i; j < admitted.length; j++) {
      const span = (admitted[j] as Arrival).atMs - (admitted[i] as Arrival).atMs
      if (span > windowMs) break
      units += (admitted[j] as Arrival).cost
      worst = Math.max(worst, units - limit * (1 + span / windowMs))
    }
  }
  return worst
}

function perAlignedWindow(admitted: Arrival[], windowMs: number): number[] {
  const totals = new Map<number, number>()
  for (const a of admitted) totals.set(Math.floor(a.atMs / windowMs), (totals.get(Math.floor(a.atMs / windowMs)) ?? 0) + a.cost)
  return [...totals.values()]
}

async function admittedOnMemory(policy: RateLimitPolicy, arrivals: Arrival[]): Promise<Arrival[]> {
  // The scripts read the explicit time, but the store expires keys (PEXPIRE) on the clock:
  // move the clock with the arrivals, or a loaded machine's real milliseconds leak in.
  vi.useFakeTimers({ toFake: ['Date'] })
  const driver = memoryDriver()
  try {
    return await admitted(policy, arrivals, (algorithm, keys, args) => {
      vi.setSystemTime(Number(args[0]))
      return driver.eval(algorithm.script, keys, args)
    })
  } finally {
    await driver.close()
    vi.useRealTimers()
  }
}

async function admittedOnRedis(policy: RateLimitPolicy, arrivals: Arrival[]): Promise<Arrival[]> {
  const algorithm = algorithmFor(resolvePolicy('p', policy))
  await redis.script('LOAD', algorithm.script.lua)
  return admitted(policy, arrivals, async (_, keys, args) =>
    parseRateLimitReply((await redis.evalsha(algorithm.script.sha1, keys.length, ...keys, ...args)) as never),
  )
}

type Run = (algorithm: RateLimitAlgorithm, keys: string[], args: string[]) => Promise<RateLimitReply>

async function admitted(policy: RateLimitPolicy, arrivals: Arrival[], run: Run): Promise<Arrival[]> {
  const algorithm = algorithmFor(resolvePolicy('p', policy))
  const keys = algorithm.keys(`${testPrefix('rl-bound')}{p:id}`)
  const sorted = [...arrivals].sort((a, b) => a.atMs - b.atMs)
  const result: Arrival[] = []
  for (const arrival of sorted) {
    const reply = await run(algorithm, keys, algorithm.args({ cost: arrival.cost, peek: false, nowMs: T0 + arrival.atMs }))
    if (reply.allowed) result.push(arrival)
  }
  return result
}
