import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineScript, type Script, type ScriptReply } from '../../src/core/script.js'
import type { Driver } from '../../src/drivers/driver.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import {
  compareAndDelete,
  compareAndExpire,
  incrWithTtl,
  rateLimitFixedWindow,
  rateLimitSlidingLog,
  rateLimitSlidingWindow,
  rateLimitTokenBucket,
  scripts,
} from '../../src/scripts/index.js'
import { counterCommit, counterIncr, counterRestore, counterTake, counterTrendIncr } from '../../src/scripts/index.js'
import { lockAcquire, semaphoreAcquire, semaphoreExtend, semaphoreRelease } from '../../src/scripts/index.js'
import { compareAndSet, invalidateTag, replaceCollections, swapCollection } from '../../src/scripts/index.js'
import { flagUpdate, idempotencyBegin, idempotencyComplete, idempotencyExtend, idempotencyRelease } from '../../src/scripts/index.js'
import { sessionCreate, sessionDestroy, sessionDestroyAll, sessionList, sessionRead, sessionUpdate } from '../../src/scripts/index.js'
import { keyProbe, slowlogGet } from '../../src/scripts/index.js'
import { conformanceScripts, echoScript, nilScript, readTypesScript, setAllScript } from '../../src/testing/scripts.js'
import { rawRedis, testPrefix } from '../support/raw-redis.js'

const everyScript: Script<unknown>[] = [...scripts, ...conformanceScripts]
/** Every script some parity test runs on both sides; the last test checks that none is missing. */
const covered = new Set<Script<unknown>>()

/** Registers scenarios' scripts as covered and returns the scenarios. */
function parity(scenarios: Scenario[]): Scenario[] {
  for (const scenario of scenarios) covered.add(scenario.script)
  return scenarios
}

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
  /** Maps each side's reply before comparing: for clock readings (a PTTL, ms until expiry) and what a twin only estimates. */
  reply?: (reply: unknown) => unknown
}

let redis: Redis

beforeAll(() => {
  redis = rawRedis()
})
afterAll(async () => {
  await redis.quit()
})

describe('script SHA-1s', () => {
  it.each(everyScript.map((script) => [script.name, script] as const))(
    '%s: SCRIPT LOAD returns the precomputed sha1',
    async (_, script) => {
      expect(createHash('sha1').update(script.lua).digest('hex')).toBe(script.sha1)
      expect(await redis.script('LOAD', script.lua)).toBe(script.sha1)
    },
  )

  it('has unique names', () => {
    expect(new Set(everyScript.map((script) => script.name)).size).toBe(everyScript.length)
  })
})

describe('Lua and JS twin parity', () => {
  const scenarios = parity([
    { name: 'compare-and-delete on a missing key', script: compareAndDelete, keys: ['k'], args: ['token'] },
    {
      name: 'compare-and-delete by the owner',
      script: compareAndDelete,
      setup: [{ op: 'set', key: 'k', value: 'token' }],
      keys: ['k'],
      args: ['token'],
    },
    {
      name: 'compare-and-delete by another owner',
      script: compareAndDelete,
      setup: [{ op: 'set', key: 'k', value: 'mine' }],
      keys: ['k'],
      args: ['token'],
    },
    {
      name: 'compare-and-delete on a hash (WRONGTYPE)',
      script: compareAndDelete,
      setup: [{ op: 'hset', key: 'k', fields: { a: '1' } }],
      keys: ['k'],
      args: ['token'],
    },
    {
      name: 'compare-and-expire by the owner',
      script: compareAndExpire,
      setup: [{ op: 'set', key: 'k', value: 't', ttlMs: 5000 }],
      keys: ['k'],
      args: ['t', '60000'],
    },
    {
      name: 'compare-and-expire by another owner',
      script: compareAndExpire,
      setup: [{ op: 'set', key: 'k', value: 't', ttlMs: 5000 }],
      keys: ['k'],
      args: ['x', '60000'],
    },
    { name: 'compare-and-expire on a missing key', script: compareAndExpire, keys: ['k'], args: ['t', '60000'] },
    { name: 'incr-with-ttl on a missing key', script: incrWithTtl, keys: ['k'], args: ['3', '60000'] },
    {
      name: 'incr-with-ttl keeps an existing TTL',
      script: incrWithTtl,
      setup: [{ op: 'set', key: 'k', value: '10', ttlMs: 5000 }],
      keys: ['k'],
      args: ['-4', '60000'],
    },
    {
      name: 'incr-with-ttl on a key without TTL',
      script: incrWithTtl,
      setup: [{ op: 'set', key: 'k', value: '10' }],
      keys: ['k'],
      args: ['1', '60000'],
    },
    {
      name: 'incr-with-ttl on a non-integer',
      script: incrWithTtl,
      setup: [{ op: 'set', key: 'k', value: 'x1' }],
      keys: ['k'],
      args: ['1', '60000'],
    },
    // Rate limits: ARGV = [now, cost, peek, limit, windowMs, blockForMs, refillRate?]; an explicit now makes the Lua deterministic.
    {
      name: 'rate-limit-fixed-window on a new identifier',
      script: rateLimitFixedWindow,
      keys: ['s', 'b'],
      args: ['1700000000000', '2', '0', '5', '60000', '0'],
    },
    {
      name: 'rate-limit-fixed-window denies and blocks',
      script: rateLimitFixedWindow,
      setup: [{ op: 'hset', key: 's', fields: { count: '5', end: '1700000030000' } }],
      keys: ['s', 'b'],
      args: ['1700000000000', '1', '0', '5', '60000', '90000'],
    },
    {
      name: 'rate-limit-fixed-window while blocked',
      script: rateLimitFixedWindow,
      setup: [{ op: 'set', key: 'b', value: '1700000010000', ttlMs: 60_000 }],
      keys: ['s', 'b'],
      args: ['1700000000000', '1', '0', '5', '60000', '30000'],
    },
    {
      name: 'rate-limit-sliding-window weighs the previous window',
      script: rateLimitSlidingWindow,
      setup: [{ op: 'hset', key: 's', fields: { start: '1699999920000', current: '7', previous: '3' } }],
      keys: ['s', 'b'],
      args: ['1700000010000', '1', '0', '10', '60000', '0'],
    },
    {
      name: 'rate-limit-sliding-window peek when full',
      script: rateLimitSlidingWindow,
      setup: [{ op: 'hset', key: 's', fields: { start: '1699999980000', current: '10', previous: '0' } }],
      keys: ['s', 'b'],
      args: ['1700000010000', '1', '1', '10', '60000', '5000'],
    },
    {
      name: 'rate-limit-token-bucket refills whole intervals',
      script: rateLimitTokenBucket,
      setup: [{ op: 'hset', key: 's', fields: { tokens: '1', refilledAt: '1699999995000' } }],
      keys: ['s', 'b'],
      args: ['1700000000000', '4', '0', '10', '2000', '0', '2'],
    },
    {
      name: 'rate-limit-token-bucket denies a cost beyond its tokens',
      script: rateLimitTokenBucket,
      setup: [{ op: 'hset', key: 's', fields: { tokens: '1', refilledAt: '1700000000000' } }],
      keys: ['s', 'b'],
      args: ['1700000000500', '3', '0', '10', '2000', '0', '1'],
    },
    {
      name: 'rate-limit-sliding-log denies until the oldest entry leaves',
      script: rateLimitSlidingLog,
      setup: [
        {
          op: 'zadd',
          key: 'l',
          entries: [
            { member: '1', score: 1699999990000 },
            { member: '2', score: 1699999995000 },
          ],
        },
        { op: 'set', key: 'q', value: '2' },
      ],
      keys: ['l', 'b', 'q'],
      args: ['1700000000000', '1', '0', '2', '60000', '0'],
    },
    {
      name: 'rate-limit-sliding-log drops old entries and logs each unit',
      script: rateLimitSlidingLog,
      setup: [
        { op: 'zadd', key: 'l', entries: [{ member: '1', score: 1699999000000 }] },
        { op: 'set', key: 'q', value: '1' },
      ],
      keys: ['l', 'b', 'q'],
      args: ['1700000000000', '3', '0', '5', '60000', '0'],
    },
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
        {
          op: 'zadd',
          key: 'z',
          entries: [
            { member: 'm', score: -0.000123 },
            { member: 'n', score: 4 },
          ],
        },
      ],
      keys: ['h', 's', 'z'],
      args: [],
    },
    { name: 'read-types on missing keys', script: readTypesScript, keys: ['h', 's', 'z'], args: [] },
    { name: 'key-probe on a missing key', script: keyProbe, keys: ['k'], args: [] },
    // key-probe's type matches exactly and its PTTL up to clock drift; its bytes are Redis's MEMORY USAGE against the twin's estimate.
    {
      name: 'key-probe on a string with a TTL',
      script: keyProbe,
      setup: [{ op: 'set', key: 'k', value: 'hello', ttlMs: 60_000 }],
      keys: ['k'],
      args: [],
      reply: probeShape,
    },
    {
      name: 'key-probe on a string without TTL',
      script: keyProbe,
      setup: [{ op: 'set', key: 'k', value: 'hello' }],
      keys: ['k'],
      args: [],
      reply: probeShape,
    },
    {
      name: 'key-probe on a hash',
      script: keyProbe,
      setup: [{ op: 'hset', key: 'k', fields: { a: '1', b: '22' } }],
      keys: ['k'],
      args: [],
      reply: probeShape,
    },
    {
      name: 'key-probe on a set',
      script: keyProbe,
      setup: [{ op: 'sadd', key: 'k', members: ['a', 'b'] }],
      keys: ['k'],
      args: [],
      reply: probeShape,
    },
    {
      name: 'key-probe on a sorted set',
      script: keyProbe,
      setup: [{ op: 'zadd', key: 'k', entries: [{ member: 'a', score: 1 }] }],
      keys: ['k'],
      args: [],
      reply: probeShape,
    },
    // slowlog-get's twin is a constant: an empty log, which SLOWLOG GET 0 gives on Redis too; the node ids never match.
    { name: 'slowlog-get of no entries', script: slowlogGet, keys: ['route'], args: ['0'], reply: slowlogShape },
  ])

  it.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('%s', async (_, scenario) => {
    const { memory, redis: fromRedis } = await runBoth(scenario)
    expect(fromRedis).toEqual(memory)
  })

  // A far-future lease (year 2255) and a long-expired one, as semaphore holders.
  const FAR = 9e12
  const leases = (...entries: [string, number][]): Setup => ({
    op: 'zadd',
    key: 's',
    entries: entries.map(([member, score]) => ({ member, score })),
  })
  const clockFree = (reply: unknown) => (Array.isArray(reply) ? [reply[0], typeof reply[1] === 'number' && reply[1] > 0] : reply)
  const lockScenarios = parity([
    { name: 'lock-acquire on a free lock', script: lockAcquire, keys: ['l', 'l:fence'], args: ['owner', '60000'] },
    {
      name: 'lock-acquire continues the fencing counter',
      script: lockAcquire,
      setup: [{ op: 'set', key: 'l:fence', value: '41' }],
      keys: ['l', 'l:fence'],
      args: ['owner', '60000'],
    },
    {
      name: 'lock-acquire on a held lock',
      script: lockAcquire,
      setup: [
        { op: 'set', key: 'l', value: 'other', ttlMs: 5000 },
        { op: 'set', key: 'l:fence', value: '7' },
      ],
      keys: ['l', 'l:fence'],
      args: ['owner', '60000'],
      reply: clockFree,
    },
    {
      name: 'lock-acquire on a lock held without TTL',
      script: lockAcquire,
      setup: [{ op: 'set', key: 'l', value: 'other' }],
      keys: ['l', 'l:fence'],
      args: ['owner', '60000'],
    },
    { name: 'semaphore-acquire on an empty semaphore', script: semaphoreAcquire, keys: ['s', 's:fence'], args: ['me', '2', '60000'] },
    {
      name: 'semaphore-acquire below its limit',
      script: semaphoreAcquire,
      setup: [leases(['a', FAR])],
      keys: ['s', 's:fence'],
      args: ['me', '2', '60000'],
    },
    {
      name: 'semaphore-acquire at its limit',
      script: semaphoreAcquire,
      setup: [leases(['a', FAR], ['b', FAR])],
      keys: ['s', 's:fence'],
      args: ['me', '2', '60000'],
      reply: clockFree,
    },
    {
      name: 'semaphore-acquire cleans expired leases first',
      script: semaphoreAcquire,
      setup: [leases(['a', 1], ['b', FAR])],
      keys: ['s', 's:fence'],
      args: ['me', '2', '60000'],
    },
    {
      name: 'semaphore-extend a live lease',
      script: semaphoreExtend,
      setup: [leases(['me', FAR], ['b', FAR])],
      keys: ['s'],
      args: ['me', '60000'],
    },
    {
      name: 'semaphore-extend only checks with ttl 0',
      script: semaphoreExtend,
      setup: [leases(['me', FAR])],
      keys: ['s'],
      args: ['me', '0'],
    },
    {
      name: 'semaphore-extend an expired lease',
      script: semaphoreExtend,
      setup: [leases(['me', 1], ['b', FAR])],
      keys: ['s'],
      args: ['me', '60000'],
    },
    { name: 'semaphore-extend a missing lease', script: semaphoreExtend, keys: ['s'], args: ['me', '60000'] },
    {
      name: 'semaphore-release a live lease',
      script: semaphoreRelease,
      setup: [leases(['me', FAR], ['b', FAR])],
      keys: ['s'],
      args: ['me'],
    },
    { name: 'semaphore-release an expired lease', script: semaphoreRelease, setup: [leases(['me', 1])], keys: ['s'], args: ['me'] },
    { name: 'semaphore-release a missing lease', script: semaphoreRelease, keys: ['s'], args: ['me'] },
  ])
  const pending = (...entries: [string, number][]): Setup => ({
    op: 'zadd',
    key: 'p',
    entries: entries.map(([member, score]) => ({ member, score })),
  })
  const counterScenarios = parity([
    { name: 'counter-incr a new counter with a TTL', script: counterIncr, keys: ['c', 'p'], args: ['5', '60000', 'video-9'] },
    {
      name: 'counter-incr without TTL',
      script: counterIncr,
      setup: [{ op: 'set', key: 'c', value: '10' }],
      keys: ['c', 'p'],
      args: ['-3', '0', 'video-9'],
    },
    {
      name: 'counter-incr adds to a pending delta',
      script: counterIncr,
      setup: [pending(['video-9', 4])],
      keys: ['c', 'p'],
      args: ['2', '0', 'video-9'],
    },
    {
      name: 'counter-incr on a non-integer',
      script: counterIncr,
      setup: [{ op: 'set', key: 'c', value: 'x' }],
      keys: ['c', 'p'],
      args: ['1', '0', 'm'],
    },
    { name: 'counter-take from an empty shard', script: counterTake, keys: ['p', 'i', 'b'], args: ['batch-1', '10', '1700000000000'] },
    {
      name: 'counter-take everything, dropping zero deltas',
      script: counterTake,
      setup: [pending(['a', 3], ['b', 0], ['c', -2], ['d', 1e12])],
      keys: ['p', 'i', 'b'],
      args: ['batch-1', '10', '1700000000000'],
    },
    {
      name: 'counter-take at most the batch size',
      script: counterTake,
      setup: [pending(['a', 3], ['b', 5], ['c', 7], ['d', 9])],
      keys: ['p', 'i', 'b'],
      args: ['batch-1', '2', '1700000000000'],
    },
    {
      name: 'counter-restore merges a batch back into newer deltas',
      script: counterRestore,
      setup: [
        pending(['a', 1]),
        {
          op: 'zadd',
          key: 'b',
          entries: [
            { member: 'a', score: 3 },
            { member: 'b', score: -2 },
          ],
        },
        { op: 'zadd', key: 'i', entries: [{ member: 'batch-1', score: 1 }] },
      ],
      keys: ['p', 'i', 'b'],
      args: ['batch-1'],
    },
    { name: 'counter-restore a missing batch', script: counterRestore, keys: ['p', 'i', 'b'], args: ['batch-1'] },
    {
      name: 'counter-commit a listed batch',
      script: counterCommit,
      setup: [
        {
          op: 'zadd',
          key: 'i',
          entries: [
            { member: 'batch-1', score: 1 },
            { member: 'batch-2', score: 2 },
          ],
        },
        { op: 'zadd', key: 'b', entries: [{ member: 'a', score: 3 }] },
      ],
      keys: ['i', 'b'],
      args: ['batch-1'],
    },
    { name: 'counter-commit a batch committed already', script: counterCommit, keys: ['i', 'b'], args: ['batch-1'] },
    { name: 'counter-trend-incr a new member', script: counterTrendIncr, keys: ['t1'], args: ['video-9', '1.5', '60000', '100', '0', '0'] },
    {
      name: 'counter-trend-incr into both eras',
      script: counterTrendIncr,
      setup: [{ op: 'zadd', key: 't1', entries: [{ member: 'video-9', score: 2 ** 40 }] }],
      keys: ['t1', 't2'],
      args: ['video-9', String(2 ** 40 + 0.25), '60000', '100', String(2 ** -20), '120000'],
    },
    {
      name: 'counter-trend-incr trims to the highest members',
      script: counterTrendIncr,
      setup: [
        {
          op: 'zadd',
          key: 't1',
          entries: [
            { member: 'a', score: 1 },
            { member: 'b', score: 2 },
            { member: 'c', score: 3 },
          ],
        },
      ],
      keys: ['t1'],
      args: ['d', '2.5', '60000', '3', '0', '0'],
    },
  ])

  it.each([...lockScenarios, ...counterScenarios].map((scenario) => [scenario.name, scenario] as const))('%s', async (_, scenario) => {
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

describe('Lua and JS twin parity: invalidation and builder scripts', () => {
  const STAMP = '1700000000000'
  const LATEST = '1900000000000'
  const scenarios = parity([
    { name: 'invalidate-tag on a new tag', script: invalidateTag, keys: ['t'], args: ['hard', STAMP, '60000', LATEST] },
    {
      name: 'invalidate-tag soft keeps the hard stamp',
      script: invalidateTag,
      setup: [{ op: 'set', key: 't', value: '100:50' }],
      keys: ['t'],
      args: ['soft', STAMP, '60000', LATEST],
    },
    {
      name: 'invalidate-tag never moves a stamp back',
      script: invalidateTag,
      setup: [{ op: 'set', key: 't', value: '1800000000000:7' }],
      keys: ['t'],
      args: ['hard', STAMP, '60000', LATEST],
    },
    {
      name: 'invalidate-tag keeps a longer TTL',
      script: invalidateTag,
      setup: [{ op: 'set', key: 't', value: '1:1', ttlMs: 60_000 }],
      keys: ['t'],
      args: ['hard', STAMP, '1000', LATEST],
    },
    {
      name: 'invalidate-tag extends a shorter TTL',
      script: invalidateTag,
      setup: [{ op: 'set', key: 't', value: '1:1', ttlMs: 1000 }],
      keys: ['t'],
      args: ['soft', STAMP, '60000', LATEST],
    },
    {
      name: 'invalidate-tag over a corrupt stamp',
      script: invalidateTag,
      setup: [{ op: 'set', key: 't', value: 'garbage' }],
      keys: ['t'],
      args: ['hard', STAMP, '60000', LATEST],
    },
    {
      name: 'invalidate-tag replaces stamps later than the latest plausible time',
      script: invalidateTag,
      setup: [{ op: 'set', key: 't', value: '99999999999999:99999999999999' }],
      keys: ['t'],
      args: ['soft', STAMP, '60000', LATEST],
    },
    {
      name: 'invalidate-tag on a hash (WRONGTYPE)',
      script: invalidateTag,
      setup: [{ op: 'hset', key: 't', fields: { a: '1' } }],
      keys: ['t'],
      args: ['hard', STAMP, '60000', LATEST],
    },
    { name: 'compare-and-set on a missing key', script: compareAndSet, keys: ['k'], args: ['old', 'new', '60000'] },
    {
      name: 'compare-and-set on the expected value',
      script: compareAndSet,
      setup: [{ op: 'set', key: 'k', value: 'old', ttlMs: 1000 }],
      keys: ['k'],
      args: ['old', 'new', '60000'],
    },
    {
      name: 'compare-and-set on another value',
      script: compareAndSet,
      setup: [{ op: 'set', key: 'k', value: 'other' }],
      keys: ['k'],
      args: ['old', 'new', '60000'],
    },
    {
      name: 'compare-and-set on a set (WRONGTYPE)',
      script: compareAndSet,
      setup: [{ op: 'sadd', key: 'k', members: ['a'] }],
      keys: ['k'],
      args: ['old', 'new', '60000'],
    },
    {
      name: 'replace-collections replaces sorted sets',
      script: replaceCollections,
      setup: [
        {
          op: 'zadd',
          key: 'a',
          entries: [
            { member: 'gone', score: 1 },
            { member: 'x', score: 9 },
          ],
        },
      ],
      keys: ['a', 'b'],
      args: ['zset', '60000', 'replace', '2', '1.5', 'x', '-2', 'y', '1', '3e21', 'z'],
    },
    {
      name: 'replace-collections adds to a sorted set',
      script: replaceCollections,
      setup: [{ op: 'zadd', key: 'a', entries: [{ member: 'x', score: 1 }] }],
      keys: ['a'],
      args: ['zset', '60000', 'add', '2', '5', 'x', '6', 'y'],
    },
    {
      name: 'replace-collections keeps the last score of a repeated member',
      script: replaceCollections,
      keys: ['a'],
      args: ['zset', '60000', 'replace', '2', '1', 'm', '2', 'm'],
    },
    {
      name: 'replace-collections with no members deletes',
      script: replaceCollections,
      setup: [{ op: 'zadd', key: 'a', entries: [{ member: 'x', score: 1 }] }],
      keys: ['a'],
      args: ['zset', '60000', 'replace', '0'],
    },
    {
      name: 'replace-collections adding no members leaves the key',
      script: replaceCollections,
      setup: [{ op: 'sadd', key: 'a', members: ['x'] }],
      keys: ['a'],
      args: ['set', '60000', 'add', '0'],
    },
    {
      name: 'replace-collections replaces sets',
      script: replaceCollections,
      setup: [{ op: 'sadd', key: 'a', members: ['old'] }],
      keys: ['a', 'b'],
      args: ['set', '60000', 'replace', '2', 'p', 'q', '1', 'r'],
    },
    {
      name: 'replace-collections over a string (WRONGTYPE on add)',
      script: replaceCollections,
      setup: [{ op: 'set', key: 'a', value: 'v' }],
      keys: ['a'],
      args: ['zset', '60000', 'add', '1', '1', 'x'],
    },
    {
      name: 'swap-collection swaps a complete copy in',
      script: swapCollection,
      setup: [
        {
          op: 'zadd',
          key: 'tmp',
          entries: [
            { member: 'a', score: 1 },
            { member: 'b', score: 2 },
          ],
        },
        { op: 'zadd', key: 'dst', entries: [{ member: 'old', score: 1 }] },
      ],
      keys: ['tmp', 'dst'],
      args: ['60000', 'zset', '2'],
    },
    {
      name: 'swap-collection keeps the old index when the copy is partial',
      script: swapCollection,
      setup: [
        { op: 'zadd', key: 'tmp', entries: [{ member: 'a', score: 1 }] },
        { op: 'zadd', key: 'dst', entries: [{ member: 'old', score: 1 }] },
      ],
      keys: ['tmp', 'dst'],
      args: ['60000', 'zset', '2'],
    },
    {
      name: 'swap-collection without a copy keeps the old index',
      script: swapCollection,
      setup: [{ op: 'sadd', key: 'dst', members: ['old'] }],
      keys: ['tmp', 'dst'],
      args: ['60000', 'set', '3'],
    },
    {
      name: 'swap-collection swaps a set',
      script: swapCollection,
      setup: [{ op: 'sadd', key: 'tmp', members: ['a', 'b', 'c'] }],
      keys: ['tmp', 'dst'],
      args: ['60000', 'set', '3'],
    },
  ])

  it.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('%s', async (_, scenario) => {
    const { memory, redis: fromRedis } = await runBoth(scenario)
    expect(fromRedis).toEqual(memory)
  })

  it('replace-collections and swap-collection leave the same set members on both sides', async () => {
    const prefix = `{${testPrefix('parity-sets')}}`
    const driver = memoryDriver()
    try {
      const steps: [Script<unknown>, string[], string[]][] = [
        [replaceCollections, ['a', 'b'], ['set', '60000', 'replace', '3', 'x', 'y', 'x', '1', 'z']],
        [replaceCollections, ['tmp'], ['set', '60000', 'add', '2', 'p', 'q']],
        [swapCollection, ['tmp', 'b'], ['60000', 'set', '2']],
      ]
      for (const [script, keys, args] of steps) {
        const full = keys.map((key) => prefix + key)
        await driver.eval(script, full, args)
        await redis.evalsha(script.sha1, full.length, ...full, ...args)
      }
      for (const key of ['a', 'b', 'tmp'].map((name) => prefix + name)) {
        expect((await redis.smembers(key)).sort()).toEqual((await driver.smembers(key)).sort())
      }
      expect((await driver.smembers(prefix + 'b')).sort()).toEqual(['p', 'q'])
    } finally {
      await driver.close()
    }
  })
})

describe('Lua and JS twin parity: session, idempotency and flag scripts', () => {
  const NOW = '1700000000000'
  const meta = (user: string, createdAt = 1_699_999_990_000, absoluteAt = 1_700_000_100_000, idle = 60_000) =>
    `${createdAt}|${absoluteAt}|${idle}|${createdAt}|${user}`
  const twoSessions: Setup[] = [
    {
      op: 'zadd',
      key: 'e',
      entries: [
        { member: 'h1', score: 1_700_000_005_000 },
        { member: 'h2', score: 1_700_000_009_000 },
      ],
    },
    { op: 'hset', key: 'd', fields: { h1: '{"n":1}', 'h1:m': meta('u1'), h2: '{"n":2}', 'h2:m': meta('u1|x') } },
  ]
  const expiredToo: Setup[] = [
    {
      op: 'zadd',
      key: 'e',
      entries: [
        { member: 'old', score: 1_699_999_999_000 },
        { member: 'h1', score: 1_700_000_005_000 },
        { member: 'dangling', score: 1_700_000_007_000 },
      ],
    },
    { op: 'hset', key: 'd', fields: { old: '{}', 'old:m': meta('u1'), h1: '{"n":1}', 'h1:m': meta('u1'), 'orphan:m': meta('u1') } },
  ]
  const idem = (fields: Record<string, string>): Setup[] => [{ op: 'hset', key: 'i', fields }]
  const scenarios = parity([
    {
      name: 'session-create for a new user',
      script: sessionCreate,
      keys: ['e', 'd'],
      args: [NOW, 'h9', 'u1', '{"a":1}', '60000', '120000', '3'],
    },
    {
      name: 'session-create under the cap',
      script: sessionCreate,
      setup: twoSessions,
      keys: ['e', 'd'],
      args: [NOW, 'h9', 'u1', '{}', '60000', '30000', '3'],
    },
    {
      name: 'session-create at the cap evicts the session closest to expiring',
      script: sessionCreate,
      setup: twoSessions,
      keys: ['e', 'd'],
      args: [NOW, 'h9', 'u1', '{}', '60000', '120000', '2'],
    },
    {
      name: 'session-create with a lowered cap evicts several',
      script: sessionCreate,
      setup: twoSessions,
      keys: ['e', 'd'],
      args: [NOW, 'h9', 'u1', '{}', '1000', '120000', '1'],
    },
    {
      name: 'session-create prunes expired sessions first',
      script: sessionCreate,
      setup: expiredToo,
      keys: ['e', 'd'],
      args: [NOW, 'h9', 'u1', '{}', '60000', '120000', '3'],
    },
    { name: 'session-read a live session', script: sessionRead, setup: twoSessions, keys: ['e', 'd'], args: [NOW, 'h1', '0'] },
    { name: 'session-read with touch', script: sessionRead, setup: twoSessions, keys: ['e', 'd'], args: [NOW, 'h2', '1'] },
    {
      name: 'session-read with touch capped by the absolute expiry',
      script: sessionRead,
      setup: twoSessions,
      keys: ['e', 'd'],
      args: ['1700000090000', 'h1', '1'],
    },
    {
      name: 'session-read an expired session cleans it up',
      script: sessionRead,
      setup: expiredToo,
      keys: ['e', 'd'],
      args: [NOW, 'old', '0'],
    },
    { name: 'session-read a half-written session', script: sessionRead, setup: expiredToo, keys: ['e', 'd'], args: [NOW, 'dangling', '1'] },
    { name: 'session-read a missing session', script: sessionRead, keys: ['e', 'd'], args: [NOW, 'nope', '1'] },
    {
      name: 'session-read the last session gone deletes both keys',
      script: sessionRead,
      setup: [
        { op: 'zadd', key: 'e', entries: [{ member: 'x', score: 1 }] },
        { op: 'hset', key: 'd', fields: { x: '{}', 'x:m': meta('u') } },
      ],
      keys: ['e', 'd'],
      args: [NOW, 'x', '0'],
    },
    { name: 'session-update a live session', script: sessionUpdate, setup: twoSessions, keys: ['e', 'd'], args: [NOW, 'h1', '{"n":10}'] },
    {
      name: 'session-update an expired session',
      script: sessionUpdate,
      setup: expiredToo,
      keys: ['e', 'd'],
      args: [NOW, 'old', '{"n":10}'],
    },
    { name: 'session-update a missing session', script: sessionUpdate, keys: ['e', 'd'], args: [NOW, 'nope', '{}'] },
    { name: 'session-destroy by token', script: sessionDestroy, setup: twoSessions, keys: ['e', 'd'], args: [NOW, 'h1', ''] },
    { name: 'session-destroy by its user', script: sessionDestroy, setup: twoSessions, keys: ['e', 'd'], args: [NOW, 'h2', 'u1|x'] },
    { name: 'session-destroy by another user', script: sessionDestroy, setup: twoSessions, keys: ['e', 'd'], args: [NOW, 'h2', 'u1'] },
    { name: 'session-destroy an expired session', script: sessionDestroy, setup: expiredToo, keys: ['e', 'd'], args: [NOW, 'old', ''] },
    {
      name: 'session-list',
      script: sessionList,
      setup: [
        ...expiredToo,
        { op: 'zadd', key: 'e', entries: [{ member: 'h2', score: 1_700_000_009_000 }] },
        { op: 'hset', key: 'd', fields: { h2: '{"n":2}', 'h2:m': meta('other') } },
      ],
      keys: ['e', 'd'],
      args: [NOW, 'u1'],
    },
    { name: 'session-list of nobody', script: sessionList, keys: ['e', 'd'], args: [NOW, 'u1'] },
    { name: 'session-destroy-all', script: sessionDestroyAll, setup: expiredToo, keys: ['e', 'd'], args: [NOW, 'u1', ''] },
    {
      name: 'session-destroy-all but one, sparing another user',
      script: sessionDestroyAll,
      setup: twoSessions,
      keys: ['e', 'd'],
      args: [NOW, 'u1', 'h9'],
    },
    {
      name: 'session-destroy-all except the current session',
      script: sessionDestroyAll,
      setup: twoSessions,
      keys: ['e', 'd'],
      args: [NOW, 'u1|x', 'h2'],
    },
    { name: 'idempotency-begin on a free key', script: idempotencyBegin, keys: ['i'], args: ['owner-1', 'fp', '30000'] },
    {
      name: 'idempotency-begin while in progress',
      script: idempotencyBegin,
      setup: idem({ s: 'p', o: 'owner-1', f: 'fp' }),
      keys: ['i'],
      args: ['owner-2', 'fp', '30000'],
    },
    {
      name: 'idempotency-begin with another fingerprint',
      script: idempotencyBegin,
      setup: idem({ s: 'p', o: 'owner-1', f: 'fp' }),
      keys: ['i'],
      args: ['owner-2', 'other', '30000'],
    },
    {
      name: 'idempotency-begin after completion',
      script: idempotencyBegin,
      setup: idem({ s: 'd', f: 'fp', k: 'v', r: '{"id":1}' }),
      keys: ['i'],
      args: ['owner-2', 'fp', '30000'],
    },
    {
      name: 'idempotency-begin on a string (WRONGTYPE)',
      script: idempotencyBegin,
      setup: [{ op: 'set', key: 'i', value: 'x' }],
      keys: ['i'],
      args: ['o', 'fp', '30000'],
    },
    {
      name: 'idempotency-complete by the owner',
      script: idempotencyComplete,
      setup: idem({ s: 'p', o: 'owner-1', f: 'fp' }),
      keys: ['i'],
      args: ['owner-1', 'fp', 'v', '{"id":1}', '60000'],
    },
    {
      name: 'idempotency-complete by another owner',
      script: idempotencyComplete,
      setup: idem({ s: 'p', o: 'owner-2', f: 'fp' }),
      keys: ['i'],
      args: ['owner-1', 'fp', 'v', '{"id":1}', '60000'],
    },
    {
      name: 'idempotency-complete after the lease ran out',
      script: idempotencyComplete,
      keys: ['i'],
      args: ['owner-1', 'fp', 'e', '{"name":"Error"}', '60000'],
    },
    {
      name: 'idempotency-complete over a stored outcome',
      script: idempotencyComplete,
      setup: idem({ s: 'd', f: 'fp', k: 'v', r: '1' }),
      keys: ['i'],
      args: ['owner-1', 'fp', 'v', '2', '60000'],
    },
    {
      name: 'idempotency-extend by the owner',
      script: idempotencyExtend,
      setup: idem({ s: 'p', o: 'owner-1', f: 'fp' }),
      keys: ['i'],
      args: ['owner-1', '30000'],
    },
    {
      name: 'idempotency-extend by another owner',
      script: idempotencyExtend,
      setup: idem({ s: 'p', o: 'owner-2', f: 'fp' }),
      keys: ['i'],
      args: ['owner-1', '30000'],
    },
    {
      name: 'idempotency-extend a finished key',
      script: idempotencyExtend,
      setup: idem({ s: 'd', o: 'owner-1', f: 'fp' }),
      keys: ['i'],
      args: ['owner-1', '30000'],
    },
    {
      name: 'idempotency-release by the owner',
      script: idempotencyRelease,
      setup: idem({ s: 'p', o: 'owner-1', f: 'fp' }),
      keys: ['i'],
      args: ['owner-1'],
    },
    {
      name: 'idempotency-release by another owner',
      script: idempotencyRelease,
      setup: idem({ s: 'p', o: 'owner-2', f: 'fp' }),
      keys: ['i'],
      args: ['owner-1'],
    },
    { name: 'flag-update a new flag', script: flagUpdate, keys: ['f'], args: ['beta', '0', '{"enabled":true}'] },
    {
      name: 'flag-update with the current revision',
      script: flagUpdate,
      setup: [{ op: 'hset', key: 'f', fields: { beta: '4|{"enabled":false}' } }],
      keys: ['f'],
      args: ['beta', '4', '{"enabled":true}'],
    },
    {
      name: 'flag-update with a stale revision',
      script: flagUpdate,
      setup: [{ op: 'hset', key: 'f', fields: { beta: '4|{"enabled":false}' } }],
      keys: ['f'],
      args: ['beta', '3', '{"enabled":true}'],
    },
    {
      name: 'flag-update unconditionally',
      script: flagUpdate,
      setup: [{ op: 'hset', key: 'f', fields: { beta: '4|{}' } }],
      keys: ['f'],
      args: ['beta', '-1', '{"enabled":true}'],
    },
    {
      name: 'flag-update deletes',
      script: flagUpdate,
      setup: [{ op: 'hset', key: 'f', fields: { beta: '4|{}', other: '1|{}' } }],
      keys: ['f'],
      args: ['beta', '-1', ''],
    },
  ])

  it.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('%s', async (_, scenario) => {
    const { memory, redis: fromRedis } = await runBoth(scenario)
    expect(fromRedis).toEqual(memory)
    const hashes = await hashesAfter(scenario)
    expect(hashes.redis).toEqual(hashes.memory)
  })

  /** The hashes a scenario leaves behind, on both sides (runBoth compares strings and sorted sets). */
  async function hashesAfter(scenario: Scenario): Promise<{ memory: unknown[]; redis: unknown[] }> {
    const prefix = `{${testPrefix('parity-hash')}}`
    const keys = scenario.keys.map((key) => prefix + key)
    const driver = memoryDriver()
    try {
      for (const step of scenario.setup ?? []) await applyToDriver(driver, prefix, step)
      for (const step of scenario.setup ?? []) await applyToRedis(prefix, step)
      await driver.eval(scenario.script, keys, scenario.args).catch(() => undefined)
      await redis.evalsha(scenario.script.sha1, keys.length, ...keys, ...scenario.args).catch(() => undefined)
      const types = await Promise.all(keys.map((key) => redis.type(key)))
      const memory = await Promise.all(keys.map((key, i) => (types[i] === 'hash' ? driver.hgetall(key) : types[i])))
      const fromRedis = await Promise.all(keys.map((key, i) => (types[i] === 'hash' ? redis.hgetall(key) : types[i])))
      return { memory, redis: fromRedis }
    } finally {
      await driver.close()
    }
  }
})

describe('parity coverage', () => {
  it('runs every script on both sides in at least one scenario', () => {
    expect(everyScript.filter((script) => !covered.has(script)).map((script) => script.name)).toEqual([])
  })
})

/** key-probe's reply with its PTTL as a class and its bytes as "some": the twin estimates bytes, Redis measures them. */
function probeShape(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply
  const [type, pttlMs, bytes] = reply as [string, number, number]
  return [type, ttlClass(pttlMs), bytes > 0 ? 'some bytes' : bytes]
}

/** slowlog-get's reply with its node id as "some id": Redis answers its run_id, the twin `'memory'`. */
function slowlogShape(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply
  const [nodeId, entries] = reply as [string, unknown]
  return [nodeId === '' ? '' : 'some id', entries]
}

/** Runs a scenario's script on the memory driver and on real Redis; returns each side's reply (or error) and key state. */
async function runBoth(scenario: Scenario): Promise<{ memory: unknown; redis: unknown }> {
  const prefix = `{${testPrefix('parity')}}`
  const keys = scenario.keys.map((key) => prefix + key)
  const raw = defineScript<ScriptReply>({ ...scenario.script, parse: (reply) => reply })
  const driver = memoryDriver()
  try {
    for (const step of scenario.setup ?? []) await applyToDriver(driver, prefix, step)
    for (const step of scenario.setup ?? []) await applyToRedis(prefix, step)
    const reply = scenario.reply ?? ((value: unknown) => value)
    const memoryReply = await driver.eval(raw, keys, scenario.args).then((value) => ok(reply(value)), failed)
    const redisReply = await redis
      .evalsha(scenario.script.sha1, keys.length, ...keys, ...scenario.args)
      .then((value) => ok(reply(value)), failed)
    const touched = [...new Set([...keys, ...(scenario.setup ?? []).map((step) => prefix + step.key)])]
    const memoryState = await Promise.all(touched.map(async (key) => [key, await driver.exists([key]), ttlClass(await driver.pttl(key))]))
    const redisState = await Promise.all(touched.map(async (key) => [key, await redis.exists(key), ttlClass(await redis.pttl(key))]))
    const strings = await Promise.all(touched.map((key) => redis.type(key)))
    const memoryValues = await Promise.all(touched.map((key, i) => (strings[i] === 'string' ? driver.get(key) : null)))
    const redisValues = await Promise.all(touched.map((key, i) => (strings[i] === 'string' ? redis.get(key) : null)))
    const memorySets = await Promise.all(
      touched.map(async (key, i) => (strings[i] === 'zset' ? (await driver.zrangeWithScores(key, 0, -1)).map(clockFreeScore) : null)),
    )
    const redisSets = await Promise.all(
      touched.map(async (key, i) =>
        strings[i] === 'zset' ? scoredMembers(await redis.zrange(key, '0', '-1', 'WITHSCORES')).map(clockFreeScore) : null,
      ),
    )
    return { memory: [memoryReply, memoryState, memoryValues, memorySets], redis: [redisReply, redisState, redisValues, redisSets] }
  } finally {
    await driver.close()
  }
}

function scoredMembers(flat: string[]): { member: string; score: number }[] {
  const members: { member: string; score: number }[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) members.push({ member: flat[i] as string, score: Number(flat[i + 1]) })
  return members
}

/** Scores that are clock readings (a lease expiry) drift by milliseconds between the two runs. */
function clockFreeScore({ member, score }: { member: string; score: number }): { member: string; score: number | string } {
  return { member, score: Math.abs(score - Date.now()) < 86_400_000 ? 'a clock reading' : score }
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
