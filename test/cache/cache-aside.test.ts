import { afterEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { ValidationError } from '../../src/core/errors/index.js'
import { defineKeys } from '../../src/keys/index.js'
import { createCachekit } from '../../src/kit.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

const User = z.object({ id: z.number(), name: z.string(), joined: z.date() })

const keys = defineKeys({
  user: { template: 'user:{id}', ttl: '1h', schema: User, tags: ({ id }) => [`user:${id}`] },
  greeting: { template: 'greeting:{lang}', ttl: '5m', grace: '1h' },
})

describe.each(targets('memory', 'redis'))('cache-aside on $name', (target) => {
  const make = useKit(target, { keys })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('runs the loader on a miss, then serves the stored value without it', async () => {
    const kit = make()
    const loader = vi.fn(async () => ({ id: 42, name: 'Ada', joined: new Date('2020-01-02T03:04:05Z') }))
    const first = await kit.cache.getOrSet(keys.user({ id: 42 }), loader)
    const second = await kit.cache.getOrSet(keys.user({ id: 42 }), loader)
    expect(loader).toHaveBeenCalledTimes(1)
    expect(second).toEqual(first)
    expect(second.joined).toBeInstanceOf(Date)
    expect(kit.cache.stats().user).toMatchObject({ hits: 1, misses: 1, loads: 1, hitRate: 0.5 })
  })

  it('shares one loader call between concurrent misses on one key', async () => {
    const kit = make()
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const loader = vi.fn(async () => {
      await gate
      return 'hello'
    })
    const calls = Array.from({ length: 50 }, () => kit.cache.getOrSet(keys.greeting({ lang: 'en' }), loader))
    await vi.waitFor(() => expect(loader).toHaveBeenCalled())
    release()
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 50 }, () => 'hello'))
    expect(loader).toHaveBeenCalledTimes(1)
  })

  it('stores Date, Map, Set, BigInt and undefined faithfully', async () => {
    const kit = make()
    const value = { when: new Date(0), tags: new Set(['a']), map: new Map([[1, { b: 2n }]]), missing: undefined, big: 2n ** 70n }
    await kit.cache.set('odd:1', value, { ttl: '1m' })
    const read = await kit.cache.get<typeof value>('odd:1')
    expect(read).toEqual(value)
    expect(read && 'missing' in read).toBe(true)
  })

  it('refuses a value it cannot serialize, writing nothing', async () => {
    const kit = make()
    await expect(kit.cache.set('bad:1', { fn: () => 1 }, { ttl: '1m' })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.cache.set('bad:1', { s: Symbol('x') }, { ttl: '1m' })).rejects.toBeInstanceOf(ValidationError)
    expect(await kit.driver.exists([kit.cache.keyOf('bad:1')])).toBe(0)
  })

  it('treats a stored value that fails the schema as a miss, reports it, and replaces it', async () => {
    const kit = make()
    const invalid = vi.fn()
    kit.events.on('invalid', invalid)
    await kit.cache.set('user:7', { id: 'seven', name: 7 }, { ttl: '1h' })
    const fresh = { id: 7, name: 'Grace', joined: new Date(1) }
    expect(await kit.cache.getOrSet(keys.user({ id: 7 }), async () => fresh)).toEqual(fresh)
    expect(invalid).toHaveBeenCalledWith(expect.objectContaining({ reason: 'schema', family: 'user' }))
    expect(await kit.cache.get(keys.user({ id: 7 }))).toEqual(fresh)
  })

  it('treats a corrupt or foreign stored value as a miss', async () => {
    const kit = make()
    await kit.driver.set(kit.cache.keyOf(keys.greeting({ lang: 'xx' })), 'not an envelope {')
    const invalid = vi.fn()
    kit.events.on('invalid', invalid)
    expect(await kit.cache.getOrSet(keys.greeting({ lang: 'xx' }), async () => 'repaired')).toBe('repaired')
    expect(invalid).toHaveBeenCalledWith(expect.objectContaining({ reason: 'corrupt' }))
    expect(await kit.cache.get(keys.greeting({ lang: 'xx' }))).toBe('repaired')
  })

  it('does not cache null or undefined unless asked to', async () => {
    const kit = make()
    const loader = vi.fn(async () => null)
    await kit.cache.getOrSet('row:1', loader, { ttl: '1m' })
    await kit.cache.getOrSet('row:1', loader, { ttl: '1m' })
    expect(loader).toHaveBeenCalledTimes(2)
    await kit.cache.getOrSet('row:2', loader, { ttl: '1m', cacheNullish: { ttl: '10s' } })
    await kit.cache.getOrSet('row:2', loader, { ttl: '1m', cacheNullish: { ttl: '10s' } })
    expect(loader).toHaveBeenCalledTimes(3)
    expect(await kit.driver.pttl(kit.cache.keyOf('row:2'))).toBeLessThanOrEqual(10_000)
  })

  it('reloads with forceFresh and stores the new value', async () => {
    const kit = make()
    await kit.cache.getOrSet('n:1', async () => 1, { ttl: '1h' })
    expect(await kit.cache.getOrSet('n:1', async () => 2, { ttl: '1h', forceFresh: true })).toBe(2)
    expect(await kit.cache.getOrSet('n:1', async () => 3, { ttl: '1h' })).toBe(2)
  })

  it('rejects with the loader error and caches nothing when the loader fails on a miss', async () => {
    const kit = make()
    const failure = new Error('database down')
    await expect(kit.cache.getOrSet('n:1', async () => Promise.reject(failure), { ttl: '1h' })).rejects.toBe(failure)
    expect(await kit.cache.getOrSet('n:1', async () => 5, { ttl: '1h' })).toBe(5)
  })

  it('applies the physical TTL of ttl + grace', async () => {
    const kit = make()
    await kit.cache.set(keys.greeting({ lang: 'de' }), 'hallo')
    const pttl = await kit.driver.pttl(kit.cache.keyOf(keys.greeting({ lang: 'de' })))
    expect(pttl).toBeGreaterThan(3_600_000)
    expect(pttl).toBeLessThanOrEqual(3_900_000)
  })

  it('spreads TTLs with jitter, never lengthening them', async () => {
    const kit = make()
    const ttls = new Set<number>()
    for (let i = 0; i < 10; i++) {
      await kit.cache.set(`j:${i}`, i, { ttl: 100_000, jitter: 0.5 })
      ttls.add(Math.round((await kit.driver.pttl(kit.cache.keyOf(`j:${i}`))) / 1000))
    }
    expect(Math.max(...ttls)).toBeLessThanOrEqual(100)
    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(49)
    expect(ttls.size).toBeGreaterThan(1)
  })

  it('reads, writes and deletes many keys', async () => {
    const kit = make()
    await kit.cache.setMany([
      { key: keys.greeting({ lang: 'en' }), value: 'hello' },
      { key: keys.greeting({ lang: 'fr' }), value: 'bonjour' },
    ])
    expect(await kit.cache.getMany([keys.greeting({ lang: 'en' }), keys.greeting({ lang: 'es' }), keys.greeting({ lang: 'fr' })])).toEqual([
      'hello',
      undefined,
      'bonjour',
    ])
    expect(await kit.cache.has(keys.greeting({ lang: 'en' }))).toBe(true)
    expect(await kit.cache.delete([keys.greeting({ lang: 'en' }), keys.greeting({ lang: 'es' })])).toBe(1)
    expect(await kit.cache.has(keys.greeting({ lang: 'en' }))).toBe(false)
  })

  it('refuses a whole setMany when one value cannot be serialized', async () => {
    const kit = make()
    await expect(
      kit.cache.setMany<unknown>([
        { key: 'ok:1', value: 1, options: { ttl: '1m' } },
        { key: 'bad:1', value: () => 1, options: { ttl: '1m' } },
      ]),
    ).rejects.toBeInstanceOf(ValidationError)
    expect(await kit.cache.get('ok:1')).toBeUndefined()
  })

  it('writes through: stores what the writer returns, and nothing when it throws', async () => {
    const kit = make()
    const key = keys.greeting({ lang: 'it' })
    await kit.cache.set(key, 'ciao')
    await expect(kit.cache.update(key, async () => Promise.reject(new Error('constraint violated')))).rejects.toThrow('constraint violated')
    expect(await kit.cache.get(key)).toBe('ciao')
    expect(await kit.cache.update(key, async () => 'buongiorno')).toBe('buongiorno')
    expect(await kit.cache.get(key)).toBe('buongiorno')
  })

  it('refuses a plain key without a TTL, an empty key and a reserved key', async () => {
    const kit = make()
    await expect(kit.cache.getOrSet('no-ttl', async () => 1)).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.cache.set('', 1, { ttl: '1m' })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.cache.set('__rl:x', 1, { ttl: '1m' })).rejects.toBeInstanceOf(ValidationError)
  })

  it('keeps environments apart', async () => {
    const prefix = uniquePrefix()
    const driver = target.createDriver()
    const prod = createCachekit({ driver, prefix, environment: 'prod', breaker: false })
    const dev = createCachekit({ driver, prefix, environment: 'dev', breaker: false })
    await prod.cache.set('k', 'prod value', { ttl: '1m' })
    expect(await dev.cache.get('k')).toBeUndefined()
    expect(prod.cache.keyOf('k')).toBe(`${prefix}:prod:k`)
    await driver.close()
  })
})

describe('round trips of a miss storm', () => {
  it('sends one GET per key, however many callers miss it at once', async () => {
    const driver = memoryDriver()
    let gets = 0
    // A counting view of a real memory driver (no behaviour replaced): every get is counted.
    const counted = Object.create(driver, {
      get: {
        value: (key: string) => {
          gets++
          return driver.get(key)
        },
      },
    }) as typeof driver
    const kit = createCachekit({ driver: counted, prefix: uniquePrefix(), breaker: false })
    const loader = vi.fn(async () => 'value')
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => kit.cache.getOrSet(`storm:${i % 4}`, loader, { ttl: '1m' })))
    expect(results.every((value) => value === 'value')).toBe(true)
    expect(loader).toHaveBeenCalledTimes(4)
    expect(gets).toBe(4)
    await kit.close()
  })
})
