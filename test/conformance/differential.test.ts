/**
 * Differential test: random sequences of contract operations run against the memory
 * driver and a real redis-server (through the ioredis driver); every result must agree.
 * On a divergence fast-check shrinks the sequence to a minimal one and prints it.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { CachekitError, CommandError } from '../../src/core/errors/index.js'
import type { Driver } from '../../src/drivers/driver.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { compareAndDelete, incrWithTtl } from '../../src/scripts/index.js'

const KEYS = ['a', 'b', 'c', 'n']
// Integers stay within 2^52: Lua numbers are doubles and ioredis's reply parser rounds
// integers near 2^53 (the 64-bit overflow checks of INCRBY are in the conformance suite).
const VALUES = ['', 'x', 'hello', '1', '-5', '0', '4503599627370496', 'é']
const MEMBERS = ['m1', 'm2', 'M', 'é', '']
const PATTERNS = ['*', 'a*', '?', '[ab]', '[^a]', 'n']

type Op = { name: string; run: (driver: Driver, prefix: string) => Promise<unknown> }

const key = fc.constantFrom(...KEYS)
const value = fc.constantFrom(...VALUES)
const member = fc.constantFrom(...MEMBERS)
const score = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -1.25, 1e10))
const ttl = fc.constantFrom(60_000, 3_600_000)

const op: fc.Arbitrary<Op> = fc.oneof(
  key.map((k) => ({ name: `get ${k}`, run: (d: Driver, p: string) => d.get(p + k) })),
  fc.tuple(key, value, fc.option(ttl), fc.constantFrom('', 'nx', 'xx', 'keepTtl')).map(([k, v, t, flag]) => ({
    name: `set ${k} ${JSON.stringify(v)} ttl=${t} ${flag}`,
    run: (d: Driver, p: string) =>
      d.set(p + k, v, { ...(t !== null && flag !== 'keepTtl' ? { ttlMs: t } : {}), ...(flag ? { [flag]: true } : {}) }),
  })),
  fc
    .uniqueArray(key, { minLength: 1, maxLength: 3 })
    .map((ks) => ({ name: `del ${ks}`, run: (d: Driver, p: string) => d.del(ks.map((k) => p + k)) })),
  fc
    .array(key, { minLength: 1, maxLength: 3 })
    .map((ks) => ({ name: `exists ${ks}`, run: (d: Driver, p: string) => d.exists(ks.map((k) => p + k)) })),
  fc
    .array(key, { minLength: 1, maxLength: 3 })
    .map((ks) => ({ name: `mget ${ks}`, run: (d: Driver, p: string) => d.mget(ks.map((k) => p + k)) })),
  key.map((k) => ({ name: `pttl ${k}`, run: async (d: Driver, p: string) => ttlClass(await d.pttl(p + k)) })),
  fc.tuple(key, ttl).map(([k, t]) => ({ name: `expire ${k} ${t}`, run: (d: Driver, p: string) => d.expire(p + k, t) })),
  key.map((k) => ({ name: `persist ${k}`, run: (d: Driver, p: string) => d.persist(p + k) })),
  fc
    .tuple(key, fc.integer({ min: -10, max: 10 }))
    .map(([k, by]) => ({ name: `incrBy ${k} ${by}`, run: (d: Driver, p: string) => d.incrBy(p + k, by) })),
  fc
    .tuple(key, fc.dictionary(member, value, { maxKeys: 3 }))
    .map(([k, f]) => ({ name: `hset ${k} ${JSON.stringify(f)}`, run: (d: Driver, p: string) => d.hset(p + k, f) })),
  fc.tuple(key, member).map(([k, f]) => ({ name: `hget ${k} ${f}`, run: (d: Driver, p: string) => d.hget(p + k, f) })),
  fc
    .tuple(key, fc.array(member, { maxLength: 2 }))
    .map(([k, f]) => ({ name: `hdel ${k} ${f}`, run: (d: Driver, p: string) => d.hdel(p + k, f) })),
  key.map((k) => ({ name: `hgetall ${k}`, run: async (d: Driver, p: string) => sortObject(await d.hgetall(p + k)) })),
  fc
    .tuple(key, member, fc.integer({ min: -5, max: 5 }))
    .map(([k, f, by]) => ({ name: `hincrBy ${k} ${f} ${by}`, run: (d: Driver, p: string) => d.hincrBy(p + k, f, by) })),
  fc
    .tuple(key, fc.array(member, { maxLength: 3 }))
    .map(([k, m]) => ({ name: `sadd ${k} ${m}`, run: (d: Driver, p: string) => d.sadd(p + k, m) })),
  fc
    .tuple(key, fc.array(member, { maxLength: 2 }))
    .map(([k, m]) => ({ name: `srem ${k} ${m}`, run: (d: Driver, p: string) => d.srem(p + k, m) })),
  key.map((k) => ({ name: `smembers ${k}`, run: async (d: Driver, p: string) => (await d.smembers(p + k)).sort() })),
  fc.tuple(key, member).map(([k, m]) => ({ name: `sismember ${k} ${m}`, run: (d: Driver, p: string) => d.sismember(p + k, m) })),
  key.map((k) => ({ name: `scard ${k}`, run: (d: Driver, p: string) => d.scard(p + k) })),
  fc.tuple(key, fc.array(fc.record({ member, score }), { maxLength: 3 })).map(([k, e]) => ({
    name: `zadd ${k} ${JSON.stringify(e)}`,
    // ZADD with a member twice keeps the last score in Redis; both drivers receive the same list.
    run: (d: Driver, p: string) => d.zadd(p + k, e),
  })),
  fc
    .tuple(key, member, score)
    .map(([k, m, by]) => ({ name: `zincrBy ${k} ${m} ${by}`, run: (d: Driver, p: string) => d.zincrBy(p + k, m, by) })),
  fc
    .tuple(key, fc.array(member, { maxLength: 2 }))
    .map(([k, m]) => ({ name: `zrem ${k} ${m}`, run: (d: Driver, p: string) => d.zrem(p + k, m) })),
  fc.tuple(key, member).map(([k, m]) => ({ name: `zscore ${k} ${m}`, run: (d: Driver, p: string) => d.zscore(p + k, m) })),
  fc.tuple(key, fc.integer({ min: -4, max: 4 }), fc.integer({ min: -4, max: 4 }), fc.boolean()).map(([k, start, stop, rev]) => ({
    name: `zrangeWithScores ${k} ${start} ${stop} rev=${rev}`,
    run: (d: Driver, p: string) => d.zrangeWithScores(p + k, start, stop, { rev }),
  })),
  fc.tuple(key, score, score, fc.boolean(), fc.option(fc.integer({ min: 0, max: 3 }))).map(([k, min, max, rev, count]) => ({
    name: `zrangeByScore ${k} ${min} ${max} rev=${rev} count=${count}`,
    run: (d: Driver, p: string) => d.zrangeByScore(p + k, min, max, { rev, ...(count === null ? {} : { offset: 0, count }) }),
  })),
  fc
    .tuple(key, member, fc.boolean())
    .map(([k, m, rev]) => ({ name: `zrank ${k} ${m} rev=${rev}`, run: (d: Driver, p: string) => d.zrank(p + k, m, { rev }) })),
  key.map((k) => ({ name: `zcard ${k}`, run: (d: Driver, p: string) => d.zcard(p + k) })),
  fc.tuple(key, fc.integer({ min: -3, max: 3 })).map(([k, by]) => ({
    name: `eval incr-with-ttl ${k} ${by}`,
    run: (d: Driver, p: string) => d.eval(incrWithTtl, [p + k], [String(by), '60000']),
  })),
  fc.tuple(key, value).map(([k, v]) => ({
    name: `eval compare-and-delete ${k} ${JSON.stringify(v)}`,
    run: (d: Driver, p: string) => d.eval(compareAndDelete, [p + k], [v]),
  })),
  fc.constantFrom(...PATTERNS).map((pattern) => ({
    name: `scan ${pattern}`,
    run: async (d: Driver, p: string) => {
      const found: string[] = []
      for await (const batch of d.scan(p + pattern, { count: 2 })) found.push(...batch.map((k) => k.slice(p.length)))
      return [...new Set(found)].sort()
    },
  })),
)

let redis: Driver
beforeAll(() => {
  redis = ioredisDriver({ url: inject('redisUrl') })
})
afterAll(async () => {
  await redis.close()
})

describe('differential: memory driver vs real Redis', () => {
  it('agrees on every result of random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const prefix = `diff:${globalThis.crypto.randomUUID().slice(0, 8)}:`
        const memory = memoryDriver()
        try {
          for (const [index, step] of ops.entries()) {
            const expected = await outcome(() => step.run(redis, prefix))
            const actual = await outcome(() => step.run(memory, prefix))
            expect({ step: index, op: step.name, result: actual }).toEqual({ step: index, op: step.name, result: expected })
          }
        } finally {
          await memory.close()
          await redis.del(KEYS.map((k) => prefix + k))
        }
      }),
      { numRuns: 250 },
    )
    // Budgeted by count (250 sequences of up to 30 round trips each): a few seconds on a
    // quiet machine, and well past the default 20 s with CPU burners beside the suite.
  }, 180_000)
})

async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await run() }
  } catch (error) {
    if (error instanceof CommandError) return { error: error.name, reply: error.reply }
    if (CachekitError.is(error)) return { error: error.name }
    throw error
  }
}

function ttlClass(pttl: number): string | number {
  return pttl < 0 ? pttl : pttl > 30_000 ? 'set' : 'short'
}

function sortObject(object: Record<string, string>): [string, string][] {
  return Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}
