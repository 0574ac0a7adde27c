import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineScript, type Script, type ScriptReply } from '../../src/core/script.js'
import type { Driver } from '../../src/drivers/driver.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { compareAndDelete, compareAndExpire, incrWithTtl, scripts } from '../../src/scripts/index.js'
import { conformanceScripts, echoScript, nilScript, readTypesScript, setAllScript } from '../../src/testing/scripts.js'
import { rawRedis, testPrefix } from '../support/raw-redis.js'

const everyScript: Script<unknown>[] = [...scripts, ...conformanceScripts]

type Setup =
  | { op: 'set'; key: string; value: string; ttlMs?: number }
  | { op: 'hset'; key: string; fields: Record<string, string> }
  | { op: 'sadd'; key: string; members: string[] }
  | { op: 'zadd'; key: string; entries: { member: string; score: number }[] }

interface Scenario {
  name: string
  script: Script<unknown>
  setup?: Setup[]
  keys: string[]
  args: string[]
}

let redis: Redis

beforeAll(() => {
  redis = rawRedis()
})
afterAll(async () => {
  await redis.quit()
})

describe('script SHA-1s', () => {
  it.each(everyScript.map((script) => [script.name, script] as const))('%s: SCRIPT LOAD returns the precomputed sha1', async (_, script) => {
    expect(createHash('sha1').update(script.lua).digest('hex')).toBe(script.sha1)
    expect(await redis.script('LOAD', script.lua)).toBe(script.sha1)
  })

  it('has unique names', () => {
    expect(new Set(everyScript.map((script) => script.name)).size).toBe(everyScript.length)
  })
})

describe('Lua and JS twin parity', () => {
  const scenarios: Scenario[] = [
    { name: 'compare-and-delete on a missing key', script: compareAndDelete, keys: ['k'], args: ['token'] },
    { name: 'compare-and-delete by the owner', script: compareAndDelete, setup: [{ op: 'set', key: 'k', value: 'token' }], keys: ['k'], args: ['token'] },
    { name: 'compare-and-delete by another owner', script: compareAndDelete, setup: [{ op: 'set', key: 'k', value: 'mine' }], keys: ['k'], args: ['token'] },
    { name: 'compare-and-delete on a hash (WRONGTYPE)', script: compareAndDelete, setup: [{ op: 'hset', key: 'k', fields: { a: '1' } }], keys: ['k'], args: ['token'] },
    { name: 'compare-and-expire by the owner', script: compareAndExpire, setup: [{ op: 'set', key: 'k', value: 't', ttlMs: 5000 }], keys: ['k'], args: ['t', '60000'] },
    { name: 'compare-and-expire by another owner', script: compareAndExpire, setup: [{ op: 'set', key: 'k', value: 't', ttlMs: 5000 }], keys: ['k'], args: ['x', '60000'] },
    { name: 'compare-and-expire on a missing key', script: compareAndExpire, keys: ['k'], args: ['t', '60000'] },
    { name: 'incr-with-ttl on a missing key', script: incrWithTtl, keys: ['k'], args: ['3', '60000'] },
    { name: 'incr-with-ttl keeps an existing TTL', script: incrWithTtl, setup: [{ op: 'set', key: 'k', value: '10', ttlMs: 5000 }], keys: ['k'], args: ['-4', '60000'] },
    { name: 'incr-with-ttl on a key without TTL', script: incrWithTtl, setup: [{ op: 'set', key: 'k', value: '10' }], keys: ['k'], args: ['1', '60000'] },
    { name: 'incr-with-ttl on a non-integer', script: incrWithTtl, setup: [{ op: 'set', key: 'k', value: 'x1' }], keys: ['k'], args: ['1', '60000'] },
    { name: 'echo without keys', script: echoScript, keys: [], args: [] },
    { name: 'echo with keys', script: echoScript, keys: ['a', 'b', 'c'], args: ['x', 'y'] },
    { name: 'set-all', script: setAllScript, keys: ['a', 'b'], args: ['v'] },
    { name: 'nil', script: nilScript, keys: [], args: ['nil'] },
    { name: 'false', script: nilScript, keys: [], args: ['false'] },
    { name: 'true', script: nilScript, keys: [], args: ['true'] },
    {
      name: 'read-types',
      script: readTypesScript,
      setup: [
        { op: 'hset', key: 'h', fields: { f: 'v' } },
        { op: 'sadd', key: 's', members: ['a', 'b', 'c'] },
        { op: 'zadd', key: 'z', entries: [{ member: 'm', score: -0.000123 }, { member: 'n', score: 4 }] },
      ],
      keys: ['h', 's', 'z'],
      args: [],
    },
    { name: 'read-types on missing keys', script: readTypesScript, keys: ['h', 's', 'z'], args: [] },
  ]

  it.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('%s', async (_, scenario) => {
    const { memory, redis: fromRedis } = await runBoth(scenario)
    expect(fromRedis).toEqual(memory)
  })

  it('incr-with-ttl agrees on random increments and starting values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -1e9, max: 1e9 }), fc.option(fc.integer({ min: -1e9, max: 1e9 })), async (by, start) => {
        const scenario: Scenario = {
          name: 'random',
          script: incrWithTtl,
          setup: start === null ? [] : [{ op: 'set', key: 'k', value: String(start) }],
          keys: ['k'],
          args: [String(by), '60000'],
        }
        const { memory, redis: fromRedis } = await runBoth(scenario)
        expect(fromRedis).toEqual(memory)
      }),
      { numRuns: 60 },
    )
  })

  it('read-types formats any double score exactly as Redis does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.double({ noNaN: true, noDefaultInfinity: true }), async (score) => {
        const scenario: Scenario = {
          name: 'score',
          script: readTypesScript,
          setup: [{ op: 'zadd', key: 'z', entries: [{ member: 'm', score }] }],
          keys: ['h', 's', 'z'],
          args: [],
        }
        const { memory, redis: fromRedis } = await runBoth(scenario)
        expect(fromRedis).toEqual(memory)
      }),
      { numRuns: 150 },
    )
  })
})

/** Runs a scenario's script on the memory driver and on real Redis; returns each side's reply (or error) and key state. */
async function runBoth(scenario: Scenario): Promise<{ memory: unknown; redis: unknown }> {
  const prefix = `{${testPrefix('parity')}}`
  const keys = scenario.keys.map((key) => prefix + key)
  const raw = defineScript<ScriptReply>({ ...scenario.script, parse: (reply) => reply })
  const driver = memoryDriver()
  try {
    for (const step of scenario.setup ?? []) await applyToDriver(driver, prefix, step)
    for (const step of scenario.setup ?? []) await applyToRedis(prefix, step)
    const memoryReply = await driver.eval(raw, keys, scenario.args).then(ok, failed)
    const redisReply = await redis.evalsha(scenario.script.sha1, keys.length, ...keys, ...scenario.args).then(ok, failed)
    const touched = [...new Set([...keys, ...(scenario.setup ?? []).map((step) => prefix + step.key)])]
    const memoryState = await Promise.all(touched.map(async (key) => [key, await driver.exists([key]), ttlClass(await driver.pttl(key))]))
    const redisState = await Promise.all(touched.map(async (key) => [key, await redis.exists(key), ttlClass(await redis.pttl(key))]))
    const strings = await Promise.all(touched.map((key) => redis.type(key)))
    const memoryValues = await Promise.all(touched.map((key, i) => (strings[i] === 'string' ? driver.get(key) : null)))
    const redisValues = await Promise.all(touched.map((key, i) => (strings[i] === 'string' ? redis.get(key) : null)))
    return { memory: [memoryReply, memoryState, memoryValues], redis: [redisReply, redisState, redisValues] }
  } finally {
    await driver.close()
  }
}

function ok(reply: unknown): unknown {
  return { reply }
}

function failed(error: unknown): unknown {
  return { error: String((error as Error).message).includes('WRONGTYPE') ? 'WRONGTYPE' : 'error' }
}

/** TTLs drift by milliseconds between the two runs: compare their class and rough size. */
function ttlClass(pttl: number): string {
  if (pttl < 0) return String(pttl)
  return pttl > 10_000 ? 'long' : 'short'
}

async function applyToDriver(driver: Driver, prefix: string, step: Setup): Promise<void> {
  const key = prefix + step.key
  if (step.op === 'set') await driver.set(key, step.value, step.ttlMs ? { ttlMs: step.ttlMs } : undefined)
  if (step.op === 'hset') await driver.hset(key, step.fields)
  if (step.op === 'sadd') await driver.sadd(key, step.members)
  if (step.op === 'zadd') await driver.zadd(key, step.entries)
}

async function applyToRedis(prefix: string, step: Setup): Promise<void> {
  const key = prefix + step.key
  if (step.op === 'set') await (step.ttlMs ? redis.set(key, step.value, 'PX', step.ttlMs) : redis.set(key, step.value))
  if (step.op === 'hset') await redis.hset(key, step.fields)
  if (step.op === 'sadd') await redis.sadd(key, ...step.members)
  if (step.op === 'zadd') await redis.zadd(key, ...step.entries.flatMap((entry) => [entry.score, entry.member]))
}
