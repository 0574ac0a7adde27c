import fc from 'fast-check'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/core/errors/index.js'
import { compileGlob } from '../../src/drivers/memory/glob.js'
import { defineKeys } from '../../src/keys/define-keys.js'
import { createNamespace } from '../../src/keys/namespace.js'
import { rawRedis, testPrefix } from '../support/raw-redis.js'

const NASTY = ['*', '?', 'a:b', '}{', '{x}', '\\', '[^a]', '[', ']', 'a*b', '%2A', '%', '日本', '🙂', 'x y', '42']

// Families that share leading text, so an over-wide pattern would visibly reach across them.
const keys = defineKeys({
  user: { template: 'user:{id}', ttl: '1h' },
  profile: { template: 'user:{id}:profile', ttl: '1h', hashTag: 'id' },
  users: { template: 'users:{id}', ttl: '1h' },
  pair: { template: 'pair:{a}:{b}', ttl: '1h' },
})

function allKeys(): string[] {
  return [
    ...NASTY.flatMap((id) => [keys.user({ id }).key, keys.profile({ id }).key, keys.users({ id }).key]),
    ...NASTY.flatMap((a) => NASTY.map((b) => keys.pair({ a, b }).key)),
  ]
}

describe('pattern()', () => {
  it('matches given parameters literally and turns missing ones into *', () => {
    expect(keys.pair.pattern({ a: 1, b: 2 })).toBe('pair:1:2')
    expect(keys.pair.pattern({ b: 'new' })).toBe('pair:*:new')
    expect(keys.pair.pattern()).toBe('pair:*:*')
    expect(keys.profile.pattern({})).toBe('user:{*}:profile')
  })

  it('escapes values, so no value can act as a wildcard', () => {
    expect(keys.user.pattern({ id: '*' })).toBe('user:%2A')
    expect(keys.user.pattern({ id: '[^a]' })).toBe('user:%5B^a%5D')
    expect(keys.user.pattern({ id: 'a?\\' })).toBe('user:a%3F%5C')
  })

  it('refuses unknown and invalid parameters', () => {
    expect(() => keys.user.pattern({ name: 'x' } as never)).toThrow('keys.user: unknown parameter "name"')
    expect(() => keys.user.pattern({ id: '' })).toThrow(ValidationError)
  })

  it('with every parameter given, matches exactly the one key (any values, checked with the Redis glob rules)', () => {
    const value = fc.oneof(fc.constantFrom(...NASTY), fc.string({ minLength: 1, unit: 'grapheme' }))
    fc.assert(
      fc.property(value, fc.uniqueArray(value, { minLength: 1, maxLength: 8 }), (id, others) => {
        const matches = compileGlob(keys.user.pattern({ id }))
        expect(matches(keys.user({ id }).key)).toBe(true)
        for (const other of others) {
          if (String(other) !== String(id)) expect(matches(keys.user({ id: other }).key)).toBe(false)
          expect(matches(keys.profile({ id: other }).key)).toBe(false)
          expect(matches(keys.users({ id: other }).key)).toBe(false)
        }
      }),
      { numRuns: 500 },
    )
  })
})

describe('parse()', () => {
  it('inverts the builder for any values', () => {
    const value = fc.oneof(fc.constantFrom(...NASTY), fc.string({ minLength: 1, unit: 'grapheme' }))
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(keys.pair.parse(keys.pair({ a, b }).key)).toEqual({ a, b })
      }),
    )
  })

  it('returns null for keys of other families and for keys no parameters produce', () => {
    expect(keys.user.parse(keys.profile({ id: 42 }).key)).toBeNull()
    expect(keys.user.parse(keys.users({ id: 42 }).key)).toBeNull()
    expect(keys.user.parse('user:42:profile')).toBeNull()
    expect(keys.user.parse('user:a*b')).toBeNull()
    expect(keys.user.parse('user:%41')).toBeNull()
    expect(keys.user.parse('user:')).toBeNull()
    expect(keys.profile.parse('user:42:profile')).toBeNull()
    expect(keys.profile.parse('user:{42}:profile')).toEqual({ id: '42' })
  })
})

describe('pattern() on real Redis SCAN', () => {
  let redis: Redis
  const namespace = createNamespace({ prefix: testPrefix('keys').slice(0, -1) })
  const written = allKeys().map((key) => namespace.key(key))

  beforeAll(async () => {
    redis = rawRedis()
    await redis.mset(...written.flatMap((key) => [key, 'v']))
  })
  afterAll(async () => {
    await redis.del(...written)
    await redis.quit()
  })

  async function scan(relativePattern: string): Promise<string[]> {
    const found = new Set<string>()
    let cursor = '0'
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', namespace.pattern(relativePattern), 'COUNT', 1000)
      cursor = next
      for (const key of batch) found.add(namespace.strip(key) as string)
    } while (cursor !== '0')
    return [...found].sort()
  }

  it('finds exactly the one key for each nasty value, in every family', async () => {
    for (const id of NASTY) {
      expect(await scan(keys.user.pattern({ id }))).toEqual([keys.user({ id }).key])
      expect(await scan(keys.profile.pattern({ id }))).toEqual([keys.profile({ id }).key])
      expect(await scan(keys.users.pattern({ id }))).toEqual([keys.users({ id }).key])
    }
  })

  it('with one parameter missing, finds exactly the keys that share the given one', async () => {
    for (const a of NASTY) {
      const expected = NASTY.map((b) => keys.pair({ a, b }).key).sort()
      expect(await scan(keys.pair.pattern({ a }))).toEqual(expected)
    }
  })

  it('with every parameter missing, over-matches only across segments, and parse() filters that out', async () => {
    const found = await scan(keys.user.pattern())
    const family = NASTY.map((id) => keys.user({ id }).key).sort()
    expect(found).toEqual(expect.arrayContaining(family))
    expect(found.filter((key) => keys.user.parse(key) !== null)).toEqual(family)
    expect(found.every((key) => key.startsWith('user:'))).toBe(true)
  })
})
