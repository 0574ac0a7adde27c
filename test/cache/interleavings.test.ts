/**
 * Calls that overlap on one key: each caller gets a value that was current when it
 * asked, never a result meant for another kind of call. Real Redis behind a proxy that
 * slows the wire, so the overlaps happen every run rather than by luck.
 */
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { defineKeys, typed } from '../../src/keys/index.js'
import type { Cachekit } from '../../src/kit.js'
import { useOutage } from '../support/outage.js'
import { rawRedis } from '../support/raw-redis.js'
import { uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

const keys = defineKeys({ item: { template: 'item:{id}', ttl: '1h', grace: '1h', value: typed<string>() } })

const outage = useOutage({ driver: { commandTimeoutMs: 5_000 } })
const make = useKit(outage.target, { label: 'overlap', keys })
let raw: Redis

beforeAll(() => {
  raw = rawRedis(outage.directUrl)
})
afterAll(async () => {
  await raw.quit()
})

/** Stores `value` already stale (past its TTL, within its grace). */
async function storeStale(kit: Cachekit<typeof keys>, id: number, value: string): Promise<void> {
  const key = keys.item({ id })
  await kit.cache.set(key, value, { ttl: '1ms' })
  await vi.waitFor(async () => expect(await kit.cache.get(key)).toBeUndefined())
}

describe('a forced load and a background refresh of the same key', () => {
  it('the forced load runs its loader, even while a refresh that gave up is in flight', async () => {
    const kit = make()
    const key = keys.item({ id: 1 })
    await storeStale(kit, 1, 'old')
    // Another instance is refreshing the entry: this process's refresh will give up.
    await raw.set(`${kit.cache.keyOf(key)} refresh-lease`, 'another instance', 'PX', 10_000)
    outage.delay(100)
    // Answered stale at once; its refresh's lease attempt is still on the wire.
    expect(await kit.cache.getOrSet(key, async () => 'refreshed')).toBe('old')

    const forced = await kit.cache.getOrSet(key, async () => 'forced', { forceFresh: true })

    expect(forced).toBe('forced')
  })
})

/** A promise and its resolver. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

describe('a change of a key while a loader of it runs', () => {
  /** Starts a load of `id` on `kit` whose loader answers `value` once `gate` opens. */
  function slowLoad(kit: Cachekit<typeof keys>, id: number, value: string) {
    const started = deferred()
    const gate = deferred()
    const result = kit.cache.getOrSet(keys.item({ id }), async () => {
      started.resolve()
      await gate.promise
      return value
    })
    return { started: started.promise, finish: () => gate.resolve(), result }
  }

  it("is not undone by the loader's late write: a delete from another instance wins", async () => {
    const prefix = uniquePrefix('overlap')
    const [a, b] = [make({ prefix }), make({ prefix })]
    const load = slowLoad(a, 1, 'read before the change')
    await load.started
    await b.cache.delete(keys.item({ id: 1 }))
    load.finish()
    // The caller asked before the change: it gets what its loader read.
    expect(await load.result).toBe('read before the change')
    expect(await b.cache.getOrSet(keys.item({ id: 1 }), async () => 'read after the change')).toBe('read after the change')
  })

  it('is not overwritten by the loader: a value another instance wrote meanwhile wins', async () => {
    const prefix = uniquePrefix('overlap')
    const [a, b] = [make({ prefix }), make({ prefix })]
    const load = slowLoad(a, 2, 'read before the write')
    await load.started
    await b.cache.set(keys.item({ id: 2 }), 'written meanwhile')
    load.finish()
    await load.result
    expect(await a.cache.get(keys.item({ id: 2 }))).toBe('written meanwhile')
    expect(await raw.get(a.cache.keyOf(keys.item({ id: 2 })))).toContain('written meanwhile')
  })

  it('is not joined by callers who come after a delete in the same process', async () => {
    const kit = make()
    const load = slowLoad(kit, 3, 'read before the delete')
    await load.started
    await kit.cache.delete(keys.item({ id: 3 }))
    const later = kit.cache.getOrSet(keys.item({ id: 3 }), async () => 'read after the delete')
    load.finish()
    expect(await load.result).toBe('read before the delete')
    expect(await later).toBe('read after the delete')
  })
})

describe('a read that is on the wire while its key changes', () => {
  it('does not fill L1 with what it brings back', async () => {
    // The real driver, with its GET replies held until the test lets them through: a
    // reply that left Redis before a delete arrives after it.
    const held: (() => void)[] = []
    let holding = false
    const driver = ioredisDriver({ url: outage.directUrl })
    const realGet = driver.get.bind(driver)
    driver.get = async (key) => {
      const reply = await realGet(key)
      if (holding) await new Promise<void>((release) => held.push(release))
      return reply
    }
    const kit = make({ driver, l1: true })
    await kit.ready()
    const key = keys.item({ id: 4 })
    await raw.set(kit.cache.keyOf(key), await storedText(key, 'before the delete'), 'PX', 60_000)

    holding = true
    const read = kit.cache.get(key)
    await vi.waitFor(() => expect(held).toHaveLength(1))
    holding = false
    await kit.cache.delete(key)
    for (const release of held) release()
    expect(await read).toBe('before the delete')

    expect(await kit.cache.get(key)).toBeUndefined()
  })
})

/** The text `kit` would store for `value` under `key`, written by another kit of the same codec. */
async function storedText(key: ReturnType<typeof keys.item>, value: string): Promise<string> {
  const writer = make({ prefix: `${uniquePrefix('writer')}` })
  await writer.cache.set(key, value)
  return (await raw.get(writer.cache.keyOf(key))) as string
}
