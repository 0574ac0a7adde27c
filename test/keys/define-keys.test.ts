import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ValidationError } from '../../src/core/errors/index.js'
import { defineKeys } from '../../src/keys/define-keys.js'
import { typed } from '../../src/keys/typed.js'

const User = z.object({ id: z.number(), name: z.string() })

// Definitions that must fail are built from plain objects: the compiler already refuses
// most of them, and these tests are about what JavaScript callers get at runtime.
const define = (definitions: Record<string, unknown>) => () => defineKeys(definitions as never)

describe('defineKeys: building keys', () => {
  const keys = defineKeys({
    user: { template: 'user:{id}', ttl: '1h', grace: '10m', schema: User, tags: ({ id }) => [`user:${id}`], priority: 'high' },
    videoList: { template: 'videos:list:{page}:{sort}', ttl: '5m', tags: ['videos'] },
    categories: { template: 'app:category:all', ttl: '7d', value: typed<string[]>() },
  })

  it('builds the key relative to the namespace, with no prefix baked in', () => {
    expect(keys.user({ id: 42 }).key).toBe('user:42')
    expect(keys.videoList({ page: 2, sort: 'new' }).key).toBe('videos:list:2:new')
  })

  it('carries the family, TTL, grace, resolved tags, schema, priority and parameters', () => {
    const params = { id: 42 }
    expect(keys.user(params)).toEqual({
      family: 'user',
      key: 'user:42',
      params,
      ttlMs: 3_600_000,
      graceMs: 600_000,
      tags: ['user:42'],
      schema: User,
      priority: 'high',
    })
  })

  it('defaults grace to 0, priority to normal and tags to none', () => {
    const key = defineKeys({ a: { template: 'a:{id}', ttl: 1000 } }).a({ id: 1 })
    expect([key.graceMs, key.priority, key.tags, key.schema]).toEqual([0, 'normal', [], undefined])
  })

  it('shares static tags between keys and computes dynamic tags from raw parameter values', () => {
    expect(keys.videoList({ page: 1, sort: 'a' }).tags).toBe(keys.videoList({ page: 2, sort: 'b' }).tags)
    expect(keys.user({ id: 'a:b' }).tags).toEqual(['user:a:b'])
  })

  it('returns one frozen key for a family without parameters', () => {
    const key = keys.categories()
    expect(key).toBe(keys.categories())
    expect(Object.isFrozen(key)).toBe(true)
    expect(key.key).toBe('app:category:all')
  })

  it('escapes parameter values so they cannot forge segments, patterns or hash tags', () => {
    expect(keys.videoList({ page: '1:new', sort: '*' }).key).toBe('videos:list:1%3Anew:%2A')
    expect(keys.user({ id: '{x}' }).key).toBe('user:%7Bx%7D')
  })

  it('treats a number and its string form as the same id', () => {
    expect(keys.user({ id: 42 }).key).toBe(keys.user({ id: '42' }).key)
  })

  it.each([
    [{}, 'keys.user: parameter {id} is missing'],
    [{ id: 1, name: 'x' }, 'keys.user: unknown parameter "name"'],
    [{ id: '' }, 'keys.user: parameter {id} must not be an empty string'],
    [{ id: null }, 'keys.user: parameter {id} must be a string, number, bigint or boolean, got null'],
    [null, 'keys.user: parameters must be an object, got null'],
  ])('refuses parameters %j at runtime: %s', (params, message) => {
    expect(() => keys.user(params as never)).toThrow(new ValidationError(message))
  })

  it('refuses parameters passed to a family without parameters', () => {
    expect(() => (keys.categories as (params: object) => unknown)({ id: 1 })).toThrow(ValidationError)
  })

  it('refuses tags() results that are not lists of non-empty strings', () => {
    const bad = defineKeys({ a: { template: 'a:{id}', ttl: 1, tags: ({ id }) => (id === 1 ? [''] : ('x' as never)) } })
    expect(() => bad.a({ id: 1 })).toThrow(ValidationError)
    expect(() => bad.a({ id: 2 })).toThrow(ValidationError)
  })

  it('exposes each family’s TTL table entry as properties', () => {
    expect(keys.user.family).toBe('user')
    expect(keys.user.template).toBe('user:{id}')
    expect(keys.videoList.paramNames).toEqual(['page', 'sort'])
    expect([keys.user.ttlMs, keys.user.graceMs, keys.user.priority, keys.user.schema]).toEqual([3_600_000, 600_000, 'high', User])
  })

  it('lists exactly the families as enumerable properties', () => {
    expect(Object.keys(keys)).toEqual(['user', 'videoList', 'categories'])
    expect(Object.isFrozen(keys)).toBe(true)
  })
})

describe('defineKeys: describe()', () => {
  it('returns the TTL table as plain data', () => {
    const keys = defineKeys({
      user: { template: 'user:{id}', ttl: '1h', grace: '10m', schema: User, tags: ({ id }) => [`user:${id}`] },
      profile: { template: 'user:{id}:profile', ttl: 5_400_000, hashTag: 'id', tags: ['users'], priority: 'low' },
    })
    expect(keys.describe()).toEqual([
      {
        family: 'user',
        template: 'user:{id}',
        params: ['id'],
        ttlMs: 3_600_000,
        ttl: '1h',
        graceMs: 600_000,
        grace: '10m',
        tags: 'dynamic',
        priority: 'normal',
        hasSchema: true,
        hashTag: [],
      },
      {
        family: 'profile',
        template: 'user:{id}:profile',
        params: ['id'],
        ttlMs: 5_400_000,
        ttl: '1h30m',
        graceMs: 0,
        grace: '0ms',
        tags: ['users'],
        priority: 'low',
        hasSchema: false,
        hashTag: ['id'],
      },
    ])
  })

  it('survives JSON and hands out a fresh copy each time', () => {
    const keys = defineKeys({ a: { template: 'a:{id}', ttl: '5m', tags: ['x'] } })
    const table = keys.describe()
    expect(JSON.parse(JSON.stringify(table))).toEqual(table)
    ;(table[0]!.tags as string[]).push('mutated')
    expect(keys.describe()[0]?.tags).toEqual(['x'])
  })
})

describe('defineKeys: checked at definition time', () => {
  it.each([
    ['', 'must be a non-empty string'],
    ['user:{id', "unbalanced '{'"],
    ['user:id}', "unbalanced '}'"],
    ['user:{{id}}', "unbalanced '{'"],
    ['user:{}', 'empty parameter name'],
    ['user:{id}:{id}', 'duplicate parameter {id}'],
    ['user:{user-id}', 'must be an identifier'],
    ['user:{__proto__}', 'must be an identifier'],
    ['user:{a}{b}', 'must be separated by'],
    ['user:{a}-{b}', 'must be separated by'],
    ['user:*', 'is not allowed in literal text'],
    ['user:[x]', 'is not allowed in literal text'],
    ['user:a b', 'is not allowed in literal text'],
    ['user:100%', 'is not allowed in literal text'],
    [':user', "empty ':' segment"],
    ['user:', "empty ':' segment"],
    ['user::{id}', "empty ':' segment"],
  ])('refuses the template %j (%s)', (template, message) => {
    expect(define({ a: { template, ttl: '1h' } })).toThrow(ValidationError)
    expect(define({ a: { template, ttl: '1h' } })).toThrow(message)
  })

  it.each([
    [{ ttl: '5 parsecs' }, 'keys.a.ttl: cannot parse'],
    [{ ttl: -1 }, 'keys.a.ttl must be a finite, non-negative number'],
    [{ ttl: 0 }, 'keys.a.ttl must be positive'],
    [{ ttl: '1h', grace: 'soon' }, 'keys.a.grace: cannot parse'],
    [{ ttl: 1e15, grace: 1 }, 'ttl + grace must be at most'],
    [{ ttl: '1h', priority: 'urgent' }, "keys.a.priority must be 'low', 'normal' or 'high'"],
    [{ ttl: '1h', schema: { parse: () => 1 } }, 'keys.a.schema must implement Standard Schema v1'],
    [{ ttl: '1h', value: 'User' }, 'keys.a.value must be typed<YourType>()'],
    [{ ttl: '1h', schema: User, value: typed<unknown>() }, 'give schema or value, not both'],
    [{ ttl: '1h', tags: 'users' }, 'keys.a.tags must be a list of non-empty strings'],
    [{ ttl: '1h', tags: [''] }, 'keys.a.tags must be a list of non-empty strings'],
    [{ ttl: '1h', hashTag: 'nope' }, 'hashTag names {nope}'],
    [{ ttl: '1h', hashTag: [] }, 'keys.a.hashTag must be a parameter name or a non-empty list'],
    [{ ttl: '1h', tll: '1h' }, 'keys.a: unknown option "tll"'],
  ])('refuses the options %j (%s)', (options, message) => {
    expect(define({ a: { template: 'a:{id}', ...options } })).toThrow(ValidationError)
    expect(define({ a: { template: 'a:{id}', ...options } })).toThrow(message)
  })

  it('refuses a family named after a keys method', () => {
    expect(define({ describe: { template: 'd:{id}', ttl: '1h' } })).toThrow('"describe" is reserved')
  })

  it('refuses a definition that is not an object', () => {
    expect(define({ a: 'user:{id}' })).toThrow('keys.a must be an object')
    expect(() => defineKeys(null as never)).toThrow(ValidationError)
  })
})

describe('defineKeys: families never collide', () => {
  it.each([
    ['video:{id}', 'video:list', 'video:list'],
    ['user:{id}', 'user:{name}', 'user:x'],
    ['videos:list:{page}:{sort}', 'videos:list:all:{sort}', 'videos:list:all:x'],
    ['v{id}', 'v1', 'v1'],
    ['a:{x}z', 'a:y{w}', 'a:yxz'],
  ])('refuses %j beside %j: both produce %j', (left, right, example) => {
    expect(define({ left: { template: left, ttl: 1 }, right: { template: right, ttl: 1 } })).toThrow(
      `can produce the same key, e.g. ${JSON.stringify(example)}`,
    )
  })

  it.each([
    ['user:{id}', 'user:{id}:profile'],
    ['user:{id}', 'users:{id}'],
    ['v{id}', 'w{id}'],
    ['v{id}', 'v'],
    ['a:{x}z', 'a:{y}q'],
    ['user:{id}', 'user:{id}', 'id'],
    ['rl:{name}:{id}:cur', 'rl:{name}:{id}:cur', 'name'],
  ])('accepts %j beside %j (hash tag on the second: %s)', (left, right, hashTag?: string) => {
    expect(define({ left: { template: left, ttl: 1 }, right: { template: right, ttl: 1, hashTag } })).not.toThrow()
  })
})

describe('reserved key space', () => {
  it("refuses templates starting with '__', which cachekit's own features use", () => {
    expect(() => defineKeys({ sneaky: { template: '__rl:{id}', ttl: '1m' } })).toThrow(/reserved/)
  })

  it("refuses templates with a later segment starting with '__' (a nested kit's feature keys)", () => {
    expect(() => defineKeys({ sneaky: { template: '{env}:__cnt:{name}', ttl: '1m' } })).toThrow(/reserved/)
  })

  // Separate definitions: {a}:{b}:{c} overlaps every three-segment template.
  const keys = {
    triple: defineKeys({ triple: { template: '{a}:{b}:{c}', ttl: '1m' } }).triple,
    underscored: defineKeys({ underscored: { template: 'x:_{id}:{tail}_end', ttl: '1m' } }).underscored,
    user: defineKeys({ user: { template: 'user:{id}', ttl: '1m' } }).user,
  }

  it.each([
    ['a value starting with __ at a segment start', keys.triple, { a: 'prod', b: '__cnt', c: 'visits' }, 'prod:%5F_cnt:visits'],
    ['a value starting with _ after a literal _', keys.underscored, { id: '_lock', tail: 't' }, 'x:_%5Flock:t_end'],
    ['a value _ before a literal _', keys.underscored, { id: 'i', tail: '_' }, 'x:_i:%5F_end'],
  ] as const)('encodes the leading _ of %s, so no key has a segment starting with __', (_case, family, params, expected) => {
    const key = (family as (params: object) => { key: string })(params).key
    expect(key).toBe(expected)
    expect(family.parse(key)).toEqual(params)
    expect(family.pattern(params)).toBe(expected)
  })

  it('keeps the plain encoding of every other value, a single leading _ included', () => {
    expect(keys.user({ id: '_x' }).key).toBe('user:_x')
    expect(keys.triple({ a: '_p', b: 'q__', c: '%' }).key).toBe('_p:q__:%25')
    expect(keys.triple.parse('_p:q__:%25')).toEqual({ a: '_p', b: 'q__', c: '%' })
  })

  it("parses no key with a '__' segment, nor a non-canonical encoding", () => {
    expect(keys.triple.parse('prod:__cnt:visits')).toBeNull()
    expect(keys.user.parse('user:%5Fx')).toBeNull()
    expect(keys.user.parse('user:%41')).toBeNull()
  })
})
