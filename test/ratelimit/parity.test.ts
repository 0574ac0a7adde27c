/**
 * Lua and JS twin agree on every rate-limit algorithm, call after call. The server's clock
 * cannot be faked, so these runs pass an explicit `now` to both halves (the scripts read
 * `TIME` only when it is empty) and compare every reply and the stored state, on random
 * sequences of calls, costs, peeks and clock steps. Windows are long in real time, so no
 * key expires for real during a run; logical expiry is what the scripts compute from `now`.
 */
import type { Redis } from 'ioredis'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Driver } from '../../src/drivers/driver.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { algorithmFor, type RateLimitAlgorithm } from '../../src/ratelimit/algorithms/index.js'
import { resolvePolicy, type RateLimitPolicy } from '../../src/ratelimit/policy.js'
import { rateLimitFixedWindow } from '../../src/scripts/rate-limit-fixed-window.js'
import { rateLimitSlidingLog } from '../../src/scripts/rate-limit-sliding-log.js'
import { rateLimitSlidingWindow } from '../../src/scripts/rate-limit-sliding-window.js'
import { rateLimitTokenBucket } from '../../src/scripts/rate-limit-token-bucket.js'
import { parseRateLimitReply } from '../../src/scripts/rate-limit-shared.js'
import { rawRedis, testPrefix } from '../support/raw-redis.js'

const T0 = 1_700_000_000_000

let redis: Redis
beforeAll(async () => {
  redis = rawRedis()
  for (const script of [rateLimitFixedWindow, rateLimitSlidingWindow, rateLimitTokenBucket, rateLimitSlidingLog])
    await redis.script('LOAD', script.lua)
})
afterAll(async () => {
  await redis.quit()
})

interface Step {
  advanceMs: number
  cost: number
  peek: boolean
  /** Run this step under a policy whose limit was lowered (a redeploy with a stricter table). */
  lowered?: boolean
}

const policies: [string, RateLimitPolicy][] = [
  ['fixed-window', { algorithm: 'fixed-window', limit: 5, window: 20_000 }],
  ['fixed-window with blockFor', { algorithm: 'fixed-window', limit: 3, window: 20_000, blockFor: 30_000 }],
  ['sliding-window', { algorithm: 'sliding-window', limit: 7, window: 20_000 }],
  ['sliding-window with blockFor', { algorithm: 'sliding-window', limit: 4, window: 20_000, blockFor: 15_000 }],
  ['token-bucket', { algorithm: 'token-bucket', limit: 6, refillRate: 2, interval: 7_000 }],
  ['token-bucket with blockFor', { algorithm: 'token-bucket', limit: 3, refillRate: 1, interval: 5_000, blockFor: 12_000 }],
  ['sliding-log', { algorithm: 'sliding-log', limit: 5, window: 20_000 }],
  ['sliding-log with blockFor', { algorithm: 'sliding-log', limit: 3, window: 20_000, blockFor: 25_000 }],
]

describe.each(policies)('%s: Lua and twin agree', (_, policy) => {
  const resolved = resolvePolicy('p', policy)
  const algorithm = algorithmFor(resolved)
  const lowered = algorithmFor(resolved, Math.ceil(resolved.limit / 2))
  const steps = fc.array(
    fc.record({
      advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 2_000, max: 45_000 })),
      cost: fc.integer({ min: 1, max: resolved.limit }),
      peek: fc.boolean(),
    }),
    { minLength: 1, maxLength: 25 },
  )

  it('on random sequences of calls', async () => {
    await fc.assert(
      fc.asyncProperty(steps, fc.integer({ min: 0, max: 59_999 }), async (sequence, offset) => {
        const { memory, lua } = await runSequence(() => algorithm, sequence, T0 + offset)
        expect(lua).toEqual(memory)
      }),
      { numRuns: 25 },
    )
  })

  it('when the limit is lowered and raised between calls, and never with a negative remaining', async () => {
    const mixed = steps.chain((sequence) =>
      fc.tuple(fc.constant(sequence), fc.array(fc.boolean(), { minLength: sequence.length, maxLength: sequence.length })),
    )
    await fc.assert(
      fc.asyncProperty(mixed, async ([sequence, lowerings]) => {
        const changing = sequence.map((step, i) => ({
          ...step,
          lowered: lowerings[i],
          cost: lowerings[i] ? Math.min(step.cost, Math.ceil(resolved.limit / 2)) : step.cost,
        }))
        const { memory, lua } = await runSequence((step) => (step.lowered ? lowered : algorithm), changing, T0)
        expect(lua).toEqual(memory)
        const replies = (memory as [{ remaining: number }[]])[0]
        expect(replies.every((reply) => reply.remaining >= 0)).toBe(true)
      }),
      { numRuns: 15 },
    )
  })
})

describe('the server clock', () => {
  it('is read with TIME when no time is passed, in milliseconds', async () => {
    const algorithm = algorithmFor(resolvePolicy('p', { algorithm: 'fixed-window', limit: 5, window: 3_600_000 }))
    const base = `${testPrefix('rl-time')}{p:x}`
    const before = Date.now()
    await redis.evalsha(algorithm.script.sha1, 2, ...algorithm.keys(base), ...algorithm.args({ cost: 1, peek: false }))
    const after = Date.now()
    const windowEnd = Number(await redis.hget(`${base}:fw`, 'end'))
    // The local redis-server shares this machine's clock.
    expect(windowEnd).toBeGreaterThanOrEqual(before + 3_600_000 - 5)
    expect(windowEnd).toBeLessThanOrEqual(after + 3_600_000 + 5)
  })
})

/** Runs one sequence on a fresh memory driver and on real Redis; returns each side's replies and final state. */
async function runSequence(
  algorithmOf: (step: Step) => RateLimitAlgorithm,
  sequence: Step[],
  start: number,
): Promise<{ memory: unknown; lua: unknown }> {
  const base = `${testPrefix('rl-parity')}{p:id}`
  const keys = algorithmOf(sequence[0] as Step).keys(base)
  const driver = memoryDriver()
  try {
    const memoryReplies: unknown[] = []
    const luaReplies: unknown[] = []
    let now = start
    for (const step of sequence) {
      now += step.advanceMs
      const algorithm = algorithmOf(step)
      const args = algorithm.args({ cost: step.cost, peek: step.peek, nowMs: now })
      memoryReplies.push(await driver.eval(algorithm.script, keys, args))
      luaReplies.push(parseRateLimitReply((await redis.evalsha(algorithm.script.sha1, keys.length, ...keys, ...args)) as never))
    }
    return { memory: [memoryReplies, await memoryState(driver, keys)], lua: [luaReplies, await redisState(keys)] }
  } finally {
    await driver.close()
    await redis.del(...keys)
  }
}

async function memoryState(driver: Driver, keys: string[]): Promise<unknown[]> {
  const [state, block, sequence] = keys as [string, string, string | undefined]
  const stored = state.endsWith(':log') ? await driver.zrangeWithScores(state, 0, -1) : await driver.hgetall(state)
  return [stored, await driver.get(block), sequence === undefined ? null : await driver.get(sequence)]
}

async function redisState(keys: string[]): Promise<unknown[]> {
  const [state, block, sequence] = keys as [string, string, string | undefined]
  let stored: unknown
  if (state.endsWith(':log')) {
    const flat = await redis.zrange(state, '0', '-1', 'WITHSCORES')
    stored = []
    for (let i = 0; i < flat.length; i += 2) (stored as unknown[]).push({ member: flat[i], score: Number(flat[i + 1]) })
  } else {
    stored = await redis.hgetall(state)
  }
  return [stored, await redis.get(block), sequence === undefined ? null : await redis.get(sequence)]
}
