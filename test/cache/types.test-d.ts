import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import { createCachekit, defineKeys, typed } from '../../src/index.js'

const User = z.object({ id: z.number(), name: z.string() })
type Video = { id: string; title: string }

const keys = defineKeys({
  user: { template: 'user:{id}', ttl: '1h', schema: User },
  video: { template: 'video:{id}', ttl: '5m', value: typed<Video>() },
})
const kit = createCachekit({ keys })

describe('value types flow from key definitions into the cache', () => {
  it('types getOrSet and get from the schema', () => {
    expectTypeOf(kit.cache.getOrSet(keys.user({ id: 1 }), async () => ({ id: 1, name: 'Ada' }))).resolves.toEqualTypeOf<{
      id: number
      name: string
    }>()
    expectTypeOf(kit.cache.get(keys.user({ id: 1 }))).resolves.toEqualTypeOf<{ id: number; name: string } | undefined>()
  })

  it('types getOrSet and get from typed<V>()', () => {
    expectTypeOf(kit.cache.getOrSet(keys.video({ id: 'v' }), async () => ({ id: 'v', title: 't' }))).resolves.toEqualTypeOf<Video>()
    expectTypeOf(kit.cache.get(keys.video({ id: 'v' }))).resolves.toEqualTypeOf<Video | undefined>()
  })

  it('refuses a loader or a value of the wrong type', () => {
    // @ts-expect-error the loader must produce a User
    void kit.cache.getOrSet(keys.user({ id: 1 }), async () => ({ id: 'one' }))
    // @ts-expect-error set must store a Video
    void kit.cache.set(keys.video({ id: 'v' }), { id: 1 })
  })

  it('exposes the key table on the kit', () => {
    expectTypeOf(kit.keys.user).toBeCallableWith({ id: 42 })
  })
})
