/**
 * A shared Redis is input: anyone who can write to it can write under the kit's keys.
 * What they write may make one read a miss, never the key unusable, and never a process
 * poisoned for good. Real Redis, written to with a raw client.
 */
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { encodeEnvelope } from '../../src/codec/envelope.js'
import { defineKeys } from '../../src/keys/index.js'
import { rawRedis } from '../support/raw-redis.js'
import { uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

interface Tree {
  child?: Tree
}
const Tree: z.ZodType<Tree> = z.lazy(() => z.object({ child: Tree.optional() }))
const keys = defineKeys({ tree: { template: 'tree:{id}', ttl: '1h', schema: Tree } })

/** A cachekit envelope around `payload`, exactly as the json codec would write it. */
function envelopeAround(payload: string): string {
  const now = Date.now()
  return encodeEnvelope(
    { id: 'json', encode: () => payload, decode: JSON.parse },
    { value: null, createdAt: now, expiresAt: now + 3_600_000, staleUntil: now + 3_600_000, tags: [] },
  )
}

let raw: Redis
const make = useKit('redis', { label: 'hostile', keys, codec: 'json' })

beforeAll(() => {
  raw = rawRedis()
})
afterAll(async () => {
  await raw.quit()
})

describe('a stored value whose schema validation throws', () => {
  const deep = `${'{"child":'.repeat(20_000)}{}${'}'.repeat(20_000)}`

  it('is an invalid entry: getOrSet loads, reports it, and replaces it', async () => {
    const kit = make()
    const key = keys.tree({ id: 1 })
    await raw.set(kit.cache.keyOf(key), envelopeAround(deep), 'PX', 60_000)
    const invalid = vi.fn()
    kit.events.on('invalid', invalid)
    const loader = vi.fn(async () => ({ child: {} }))

    expect(await kit.cache.getOrSet(key, loader)).toEqual({ child: {} })
    expect(invalid).toHaveBeenCalledWith(expect.objectContaining({ reason: 'schema', family: 'tree' }))
    expect(String(invalid.mock.calls[0]?.[0].issues[0].message)).toMatch(/the schema threw: RangeError/)

    expect(await kit.cache.getOrSet(key, loader)).toEqual({ child: {} })
    expect(loader).toHaveBeenCalledTimes(1)
    expect(await raw.get(kit.cache.keyOf(key))).not.toContain('"child":{"child"')
  })

  it('reads as a miss through get, has and getMany instead of rejecting', async () => {
    const kit = make()
    const key = keys.tree({ id: 2 })
    await raw.set(kit.cache.keyOf(key), envelopeAround(deep), 'PX', 60_000)
    expect(await kit.cache.get(key)).toBeUndefined()
    expect(await kit.cache.has(key)).toBe(false)
    expect(await kit.cache.getMany([key])).toEqual([undefined])
  })

  it('counts an asynchronous validator that rejects as invalid too', async () => {
    // A hand-written Standard Schema: its validate answers with a rejected promise.
    const Rejecting = { '~standard': { version: 1, vendor: 'test', validate: () => Promise.reject(new Error('validator down')) } } as const
    const asyncKeys = defineKeys({ doc: { template: 'doc:{id}', ttl: '1h', schema: Rejecting } })
    const kit = make({ keys: asyncKeys })
    const key = asyncKeys.doc({ id: 1 })
    await raw.set(kit.cache.keyOf(key), envelopeAround('{"child":1}'), 'PX', 60_000)
    const invalid = vi.fn()
    kit.events.on('invalid', invalid)
    await expect(kit.cache.get(key)).resolves.toBeUndefined()
    expect(invalid).toHaveBeenCalledWith(expect.objectContaining({ reason: 'schema' }))
  })
})

describe('tag stamps from the future', () => {
  const tagged = defineKeys({ video: { template: 'video:{id}', ttl: '1h', tags: () => ['videos'], schema: z.string() } })
  const taggedKits = useKit('redis', { keys: tagged })
  const makeTagged = (prefix: string) => taggedKits({ prefix })
  const FAR_FUTURE = Date.now() + 10 * 365 * 86_400_000

  it('announced by a forged bus message cost at most the allowed clock skew of misses', async () => {
    const kit = makeTagged(uniquePrefix('forged'))
    await kit.ready()
    const loader = vi.fn(async () => 'loaded')
    await kit.cache.getOrSet(tagged.video({ id: 1 }), loader)
    await raw.publish(
      `${kit.namespace.prefix}__cachekit:bus`,
      JSON.stringify({ o: 'attacker', t: 'tags', k: ['videos'], m: 'hard', at: FAR_FUTURE }),
    )
    // The stamp is applied (clamped): the entry is a miss at first...
    await vi.waitFor(async () => expect(await kit.cache.get(tagged.video({ id: 1 }))).toBeUndefined())
    // ...and caching resumes once the clock passes the clamp, without a restart.
    await vi.waitFor(
      async () => {
        loader.mockClear()
        await kit.cache.getOrSet(tagged.video({ id: 2 }), loader)
        await kit.cache.getOrSet(tagged.video({ id: 2 }), loader)
        expect(loader.mock.calls.length).toBeLessThanOrEqual(1)
      },
      { timeout: 15_000, interval: 250 },
    )
  })

  it('written into Redis by hand are read as "invalidated now" and repaired for every process', async () => {
    const prefix = uniquePrefix('forged')
    const first = makeTagged(prefix)
    const tagKey = first.namespace.key('__tag:videos')
    await raw.set(tagKey, `${FAR_FUTURE}:0`, 'PX', 60_000)
    // Another process wrote an entry before the forgery was noticed.
    await raw.set(first.cache.keyOf(tagged.video({ id: 1 })), await textOf(tagged.video({ id: 1 }), 'before'), 'PX', 60_000)
    expect(await first.cache.getOrSet(tagged.video({ id: 1 }), async () => 'after')).toBe('after')
    await vi.waitFor(async () => expect(Number((await raw.get(tagKey))?.split(':')[0])).toBeLessThan(Date.now() + 5_000))

    const later = makeTagged(prefix)
    const loader = vi.fn(async () => 'unused')
    expect(await later.cache.getOrSet(tagged.video({ id: 1 }), loader)).toBe('after')
    expect(loader).not.toHaveBeenCalled()
  })

  it('left in Redis by hand are replaced by the next invalidateTags', async () => {
    const kit = makeTagged(uniquePrefix('forged'))
    const tagKey = kit.namespace.key('__tag:videos')
    await raw.set(tagKey, `${FAR_FUTURE}:${FAR_FUTURE}`, 'PX', 60_000)
    const report = await kit.cache.invalidateTags(['videos'])
    expect(await raw.get(tagKey)).toBe(`${report.invalidatedAt}:0`)
  })

  /** What a kit of another process would store for `value` under `key`. */
  async function textOf(key: ReturnType<typeof tagged.video>, value: string): Promise<string> {
    const writer = makeTagged(uniquePrefix('writer'))
    await writer.cache.set(key, value)
    return (await raw.get(writer.cache.keyOf(key))) as string
  }
})

describe('an entry created later than any sane clock', () => {
  it('is not served: it would be immune to every tag invalidation until then', async () => {
    const kit = make()
    const key = keys.tree({ id: 9 })
    const future = Date.now() + 86_400_000
    const text = encodeEnvelope(
      { id: 'json', encode: () => '{}', decode: JSON.parse },
      { value: null, createdAt: future, expiresAt: future + 60_000, staleUntil: future + 60_000, tags: [] },
    )
    await raw.set(kit.cache.keyOf(key), text, 'PX', 60_000)
    const invalid = vi.fn()
    kit.events.on('invalid', invalid)
    expect(await kit.cache.getOrSet(key, async () => ({ child: {} }))).toEqual({ child: {} })
    expect(invalid).toHaveBeenCalledWith(expect.objectContaining({ reason: 'corrupt' }))
  })
})
