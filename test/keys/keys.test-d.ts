import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import { defineKeys } from '../../src/keys/define-keys.js'
import type { ParamValue } from '../../src/keys/escape.js'
import type { CacheKey, KeyValue } from '../../src/keys/key-family.js'
import type { StandardSchemaV1 } from '../../src/keys/standard-schema.js'
import type { KeyParams, ParamNames } from '../../src/keys/template.js'
import { typed } from '../../src/keys/typed.js'

const User = z.object({ id: z.number(), name: z.string() })
type User = z.infer<typeof User>
interface Video {
  id: string
  title: string
}

// A Standard Schema written by hand, as valibot or any other vendor would provide it.
const Slug: StandardSchemaV1<unknown, `slug-${string}`> = {
  '~standard': {
    version: 1,
    vendor: 'hand-made',
    validate: (value) =>
      typeof value === 'string' && value.startsWith('slug-')
        ? { value: value as `slug-${string}` }
        : { issues: [{ message: 'not a slug' }] },
  },
}
// A callable schema, as arktype's are.
const Count = Object.assign((value: unknown) => value, {
  '~standard': {
    version: 1 as const,
    vendor: 'callable',
    validate: (value: unknown) => ({ value: Number(value) }),
    types: undefined as unknown as { input: unknown; output: number },
  },
})

const keys = defineKeys({
  user: { template: 'user:{id}', ttl: '1h', schema: User, tags: ({ id }) => [`user:${id}`] },
  video: { template: 'video:{id}', ttl: '5m', value: typed<Video>() },
  list: { template: 'videos:list:{page}:{sort}', ttl: '5m', tags: ['videos'], hashTag: ['page', 'sort'] },
  all: { template: 'app:category:all', ttl: '7d' },
  slug: { template: 'slug:{id}', ttl: 1000, schema: Slug },
  count: { template: 'count:{id}', ttl: 1000, schema: Count },
  parsed: { template: 'parsed:{id}', ttl: 1000, schema: z.string().transform((text) => text.length) },
})

/** How the CacheService consumes keys: the value type is inferred from the key alone. */
declare function get<Value>(key: CacheKey<Value>): Promise<Value | undefined>

describe('template parameters', () => {
  it('extracts parameter names from the template', () => {
    expectTypeOf<ParamNames<'videos:list:{page}:{sort}'>>().toEqualTypeOf<'page' | 'sort'>()
    expectTypeOf<ParamNames<'app:category:all'>>().toEqualTypeOf<never>()
    expectTypeOf<KeyParams<'user:{id}'>>().toEqualTypeOf<{ readonly id: ParamValue }>()
  })

  it('takes exactly the template parameters', () => {
    keys.user({ id: 42 })
    keys.user({ id: '42' })
    keys.user({ id: 42n })
    keys.list({ page: 1, sort: 'new' })
    // @ts-expect-error a parameter is missing
    keys.list({ page: 1 })
    // @ts-expect-error an unknown parameter
    keys.user({ id: 42, name: 'x' })
    // @ts-expect-error a misspelt parameter
    keys.user({ ID: 42 })
    // @ts-expect-error parameters are required
    keys.user()
    // @ts-expect-error values are strings, numbers, bigints or booleans
    keys.user({ id: { nested: true } })
    // @ts-expect-error values cannot be null
    keys.user({ id: null })
  })

  it('takes no argument for a template without parameters', () => {
    keys.all()
    // @ts-expect-error no parameters to give
    keys.all({ id: 1 })
  })

  it('types the parameters of the key and of pattern() and parse()', () => {
    expectTypeOf(keys.list({ page: 1, sort: 'new' }).params).toEqualTypeOf<{ readonly page: ParamValue; readonly sort: ParamValue }>()
    keys.list.pattern({ sort: 'new' })
    keys.list.pattern()
    // @ts-expect-error not a parameter of the template
    keys.list.pattern({ user: 1 })
    expectTypeOf(keys.list.parse('videos:list:1:new')).toEqualTypeOf<{ page: string; sort: string } | null>()
  })
})

describe('value types', () => {
  it('flows from the schema', () => {
    expectTypeOf<KeyValue<typeof keys.user>>().toEqualTypeOf<User>()
    expectTypeOf(get(keys.user({ id: 42 }))).toEqualTypeOf<Promise<User | undefined>>()
  })

  it('uses the schema output, after transforms', () => {
    expectTypeOf<KeyValue<typeof keys.parsed>>().toEqualTypeOf<number>()
  })

  it('accepts any Standard Schema, callable ones included', () => {
    expectTypeOf<KeyValue<typeof keys.slug>>().toEqualTypeOf<`slug-${string}`>()
    expectTypeOf<KeyValue<typeof keys.count>>().toEqualTypeOf<number>()
  })

  it('flows from typed<V>() without a schema', () => {
    expectTypeOf(get(keys.video({ id: 'a' }))).toEqualTypeOf<Promise<Video | undefined>>()
  })

  it('is unknown without schema or typed<V>()', () => {
    expectTypeOf<KeyValue<ReturnType<typeof keys.all>>>().toEqualTypeOf<unknown>()
  })

  it('keeps keys of different value types apart', () => {
    const userKey: CacheKey<User> = keys.user({ id: 1 })
    // @ts-expect-error a Video key is not a User key
    const wrong: CacheKey<User> = keys.video({ id: 'a' })
    expectTypeOf(userKey).not.toBeAny()
    expectTypeOf(wrong).not.toBeAny()
  })
})

describe('definitions', () => {
  it('types the tags function from the template', () => {
    defineKeys({
      a: {
        template: 'a:{id}:{kind}',
        ttl: 1,
        tags: (params) => {
          expectTypeOf(params).toEqualTypeOf<{ readonly id: ParamValue; readonly kind: ParamValue }>()
          return [`a:${params.id}`]
        },
      },
    })
    // @ts-expect-error the template has no {name}
    defineKeys({ a: { template: 'a:{id}', ttl: 1, tags: ({ name }) => [String(name)] } })
  })

  it('keeps templates typed when the definitions are declared apart, as const', () => {
    const definitions = { user: { template: 'user:{id}', ttl: '1h', schema: User } } as const
    const apart = defineKeys(definitions)
    expectTypeOf<KeyValue<typeof apart.user>>().toEqualTypeOf<User>()
    // @ts-expect-error still a missing parameter
    apart.user({})
  })

  it('refuses hash tags that are not parameters', () => {
    // @ts-expect-error the template has no {name}
    defineKeys({ a: { template: 'a:{id}', ttl: 1, hashTag: 'name' } })
  })

  it('refuses misspelt options, missing TTLs and reserved family names', () => {
    // @ts-expect-error `tll` is not an option
    defineKeys({ a: { template: 'a:{id}', ttl: 1, tll: 1 } })
    // @ts-expect-error ttl is required
    defineKeys({ a: { template: 'a:{id}' } })
    // @ts-expect-error `describe` is keys.describe()
    defineKeys({ describe: { template: 'a:{id}', ttl: 1 } })
  })

  it('refuses priorities outside the scale', () => {
    // @ts-expect-error 'urgent' is not a priority
    defineKeys({ a: { template: 'a:{id}', ttl: 1, priority: 'urgent' } })
  })
})
