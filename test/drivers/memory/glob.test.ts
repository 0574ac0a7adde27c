import type { Redis } from 'ioredis'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileGlob } from '../../../src/drivers/memory/glob.js'
import { rawRedis, testPrefix } from '../../support/raw-redis.js'

const ALPHABET = ['a', 'b', 'z', '*', '?', '[', ']', '^', '-', '\\', 'é', ':', '{', '}', '\u00ff']
const text = (maxLength: number) => fc.array(fc.constantFrom(...ALPHABET), { minLength: 1, maxLength }).map((chars) => chars.join(''))

let redis: Redis
beforeAll(() => {
  redis = rawRedis()
})
afterAll(async () => {
  await redis.quit()
})

describe('memory glob matching', () => {
  it.each([
    ['*', 'anything', true],
    ['h?llo', 'hello', true],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hbllo', true],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['a?b', 'aéb', false],
    ['a??b', 'aéb', true],
    ['[abc', 'a', true],
    ['ab\\', 'ab\\', true],
  ])('%j matches %j: %s (as Redis)', async (pattern, key, expected) => {
    expect(compileGlob(pattern)(key)).toBe(expected)
  })

  it('agrees with Redis SCAN MATCH on random keys and patterns', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(text(6), { minLength: 1, maxLength: 12 }), text(6), async (names, pattern) => {
        const prefix = testPrefix('glob')
        await redis.mset(...names.flatMap((name) => [prefix + name, 'v']))
        const escapedPrefix = prefix.replace(/[*?[\]\\]/g, '\\$&')
        const fromRedis = new Set<string>()
        let cursor = '0'
        do {
          const [next, batch] = await redis.scan(cursor, 'MATCH', escapedPrefix + pattern, 'COUNT', 1000)
          cursor = next
          for (const key of batch) fromRedis.add(key)
        } while (cursor !== '0')
        const matches = compileGlob(escapedPrefix + pattern)
        const fromMemory = new Set(names.map((name) => prefix + name).filter(matches))
        await redis.del(...names.map((name) => prefix + name))
        expect(fromMemory).toEqual(fromRedis)
      }),
      { numRuns: 300 },
    )
  })
})
