import { describe, expect, it, vi } from 'vitest'
import { ValidationError } from '../../src/core/errors/index.js'
import { defineKeys } from '../../src/keys/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { targets, uniquePrefix, type Target } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

const keys = defineKeys({
  videoList: { template: 'videos:list:{page}:{sort}', ttl: '5m' },
  videoDetail: { template: 'video:detail:{id}', ttl: '1h' },
})

type Kit = Cachekit<typeof keys>

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('pattern invalidation on $name', (target: Target) => {
  // Kits on one server: memory kits share one driver (each memory driver is its own server).
  const make = useKit(target, { keys, sharedStore: true })
  /** A driver for writing keys the kits under test must never touch. */
  const bystander = () => make.driver()

  const fill = async (kit: Kit) => {
    for (let page = 1; page <= 30; page++) {
      await kit.cache.set(keys.videoList({ page, sort: 'new' }), [page])
      await kit.cache.set(keys.videoList({ page, sort: 'top' }), [page])
    }
    await kit.cache.set(keys.videoDetail({ id: 1 }), { id: 1 })
  }

  it('deletes the keys a key-builder pattern matches, in batches, and no others', async () => {
    const kit = make({ prefix: uniquePrefix() })
    await fill(kit)
    const progress = vi.fn()
    const events = vi.fn()
    kit.events.on('invalidate-progress', events)
    const report = await kit.cache.invalidatePattern(keys.videoList.pattern({ sort: 'new' }), { batchSize: 7, onProgress: progress })
    expect(report).toMatchObject({ pattern: `${kit.namespace.prefix}videos:list:*:new`, deleted: 30 })
    expect(report.batches).toBeGreaterThan(1)
    expect(progress).toHaveBeenCalledTimes(report.batches)
    expect(progress).toHaveBeenLastCalledWith(expect.objectContaining({ deleted: 30 }))
    expect(events).toHaveBeenCalledTimes(report.batches)
    expect(await kit.cache.get(keys.videoList({ page: 3, sort: 'new' }))).toBeUndefined()
    expect(await kit.cache.get(keys.videoList({ page: 3, sort: 'top' }))).toEqual([3])
    expect(await kit.cache.get(keys.videoDetail({ id: 1 }))).toEqual({ id: 1 })
  })

  it('user input in a pattern parameter cannot reach keys outside its family', async () => {
    const kit = make({ prefix: uniquePrefix() })
    await fill(kit)
    for (const hostile of ['*', '?', '[a-z]*', '\\*', 'new*', '*:*', '}{', 'new:*', '%2A']) {
      const report = await kit.cache.invalidatePattern(keys.videoList.pattern({ sort: hostile }))
      expect(report.deleted, `sort = ${JSON.stringify(hostile)}`).toBe(0)
      expect(await kit.cache.invalidatePattern(keys.videoDetail.pattern({ id: hostile }))).toMatchObject({ deleted: 0 })
    }
    expect(await kit.cache.get(keys.videoList({ page: 30, sort: 'new' }))).toEqual([30])
    expect(await kit.cache.get(keys.videoDetail({ id: 1 }))).toEqual({ id: 1 })
  })

  it('raw patterns, glob tricks included, never match another app, environment or cachekit key', async () => {
    const app = uniquePrefix('app')
    const kit = make({ prefix: app, environment: 'prod' })
    const raw = bystander()
    // Neighbours: another environment, another app, a prefix that extends this one's text,
    // and keys of cachekit's own features inside this namespace.
    const neighbours = [
      `${app}:dev:videos:list:1:new`,
      `other-${app}:prod:videos:list:1:new`,
      `${app}:prodx:videos:list:1:new`,
      `${app}:prod`,
      `${app}x:prod:a`,
    ]
    for (const key of neighbours) await raw.set(key, 'keep')
    const own = [`${app}:prod:__tag:videos`, `${app}:prod:__lock:{job}`]
    for (const key of own) await raw.set(key, 'keep')
    await fill(kit)
    const tricks = ['*', '?*', '[a-z]*', '\\*', '*:*', '**', '[^x]*', '*\\', '[', '*]', '../*', ':*', '\\', '\u0000*', 'v*']
    for (const pattern of tricks) await kit.cache.invalidatePattern(pattern)
    expect(await kit.cache.get(keys.videoDetail({ id: 1 }))).toBeUndefined()
    for (const key of [...neighbours, ...own]) expect(await raw.get(key), key).toBe('keep')
  })

  it('clear() empties this namespace only', async () => {
    const app = uniquePrefix('app')
    const prod = make({ prefix: app, environment: 'prod' })
    const dev = make({ prefix: app, environment: 'dev' })
    await fill(prod)
    await fill(dev)
    await prod.cache.invalidateTags(['kept-stamp'])
    const report = await prod.cache.clear({ batchSize: 10 })
    expect(report.deleted).toBe(61)
    expect(await prod.cache.get(keys.videoDetail({ id: 1 }))).toBeUndefined()
    expect(await dev.cache.get(keys.videoDetail({ id: 1 }))).toEqual({ id: 1 })
    expect(await dev.cache.get(keys.videoList({ page: 30, sort: 'top' }))).toEqual([30])
    expect(await prod.driver.exists([`${prod.namespace.prefix}__tag:kept-stamp`])).toBe(1)
  })

  it("drops other instances' L1 copies", async () => {
    const prefix = uniquePrefix()
    const [a, b] = [make({ prefix, l1: true }), make({ prefix, l1: true })]
    await Promise.all([a.ready(), b.ready()])
    await a.cache.set(keys.videoList({ page: 1, sort: 'new' }), ['v1'])
    expect(await b.cache.get(keys.videoList({ page: 1, sort: 'new' }))).toEqual(['v1'])
    await a.cache.invalidatePattern(keys.videoList.pattern())
    await vi.waitFor(async () => expect(await b.cache.get(keys.videoList({ page: 1, sort: 'new' }))).toBeUndefined(), { timeout: 5000 })
    await a.cache.set(keys.videoDetail({ id: 2 }), 'x')
    expect(await b.cache.get(keys.videoDetail({ id: 2 }))).toBe('x')
    await a.cache.clear()
    await vi.waitFor(async () => expect(await b.cache.get(keys.videoDetail({ id: 2 }))).toBeUndefined(), { timeout: 5000 })
  })

  it('stops between batches when its signal aborts', async () => {
    const kit = make({ prefix: uniquePrefix() })
    await fill(kit)
    const controller = new AbortController()
    const reason = new Error('stop')
    const pending = kit.cache.invalidatePattern('videos:*', {
      batchSize: 5,
      signal: controller.signal,
      onProgress: () => controller.abort(reason),
    })
    await expect(pending).rejects.toBe(reason)
    const left = await Promise.all(Array.from({ length: 30 }, (_, i) => kit.cache.get(keys.videoList({ page: i + 1, sort: 'top' }))))
    expect(left.filter((value) => value !== undefined).length).toBeGreaterThan(0)
  })
})

describe('pattern invalidation input', () => {
  it('refuses empty and reserved patterns, bad batch sizes, and kits without a prefix', async () => {
    const kit = createCachekit({ prefix: uniquePrefix(), keys })
    await expect(kit.cache.invalidatePattern('')).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.cache.invalidatePattern('__tag:*')).rejects.toThrow(/reserved/)
    await expect(kit.cache.invalidatePattern('*', { batchSize: 0 })).rejects.toThrow(/batchSize/)
    const unprefixed = createCachekit({ keys })
    await expect(unprefixed.cache.clear()).rejects.toThrow(/prefix/)
    await expect(unprefixed.cache.invalidatePattern(keys.videoList.pattern())).rejects.toThrow(/prefix/)
    await Promise.all([kit.close(), unprefixed.close()])
  })
})
