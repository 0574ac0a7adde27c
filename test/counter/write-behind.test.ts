import { afterEach, describe, expect, it, vi } from 'vitest'
import { LockNotAcquiredError } from '../../src/core/errors/index.js'
import type { CounterBatch } from '../../src/counter/index.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { createCachekit } from '../../src/kit.js'
import { counterTake } from '../../src/scripts/counter-take.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'
import { patience } from '../support/wait.js'

/** A stand-in for the database: applies deltas, remembers batch ids, refuses a batch id twice. */
class Database {
  readonly views = new Map<string, number>()
  readonly batchIds: string[] = []
  readonly batches: CounterBatch[] = []

  apply = async (batch: CounterBatch): Promise<void> => {
    if (this.batchIds.includes(batch.id)) return
    this.batches.push(batch)
    this.batchIds.push(batch.id)
    for (const { id, delta } of batch.deltas) this.views.set(id, (this.views.get(id) ?? 0) + delta)
  }
}

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('write-behind counters on $name', (target) => {
  const { name } = target
  // Several processes of one app: the kits of a test share its prefix.
  const make = useKit(target, { label: 'wb', prefixPerTest: true })

  it('hands every increment to the handler exactly once, in batches, and leaves nothing pending', async () => {
    const kit = make()
    const views = kit.counters.family('video:views', { writeBehind: true })
    const expected = new Map<string, number>()
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const id = `v${i % 37}`
        const by = (i % 5) + 1
        expected.set(id, (expected.get(id) ?? 0) + by)
        return views.incr(id, by)
      }),
    )
    const db = new Database()
    const result = await views.flush(db.apply, { batchSize: 10 })
    expect(result).toEqual({ batches: 4, counters: 37, recovered: 0 })
    expect(db.batches.every((batch) => batch.deltas.length <= 10 && !batch.recovered && batch.family === 'video:views')).toBe(true)
    expect(db.views).toEqual(expected)
    expect(await views.get('v0')).toBe(expected.get('v0'))
    expect(await views.flush(db.apply)).toEqual({ batches: 0, counters: 0, recovered: 0 })
  })

  it('stops after maxBatches and leaves the rest for the next flush', async () => {
    const kit = make()
    const likes = kit.counters.family('video:likes', { writeBehind: true, shards: 2 })
    for (let i = 0; i < 9; i++) await likes.incr(`v${i}`)
    const db = new Database()
    expect(await likes.flush(db.apply, { batchSize: 2, maxBatches: 2 })).toEqual({ batches: 2, counters: 4, recovered: 0 })
    expect(await likes.flush(db.apply, { batchSize: 5 })).toEqual({ batches: 1, counters: 5, recovered: 0 })
    expect([...db.views.values()].reduce((sum, views) => sum + views, 0)).toBe(9)
  })

  it('drops counters whose increments cancelled out', async () => {
    const kit = make()
    const likes = kit.counters.family('video:likes', { writeBehind: true })
    await likes.incr('v1')
    await likes.decr('v1')
    await likes.incr('v2', 3)
    const db = new Database()
    await likes.flush(db.apply)
    expect([...db.views]).toEqual([['v2', 3]])
  })

  it('merges a failed batch back, with the increments that arrived meanwhile, and rejects with the handler error', async () => {
    const kit = make()
    const views = kit.counters.family('video:views', { writeBehind: true })
    await views.incr('v1', 5)
    await views.incr('v2', 1)
    const failure = new Error('database down')
    await expect(
      views.flush(async () => {
        await views.incr('v1', 2)
        throw failure
      }),
    ).rejects.toBe(failure)
    const db = new Database()
    expect(await views.flush(db.apply)).toMatchObject({ batches: 1, counters: 2, recovered: 0 })
    expect(db.views).toEqual(
      new Map([
        ['v1', 7],
        ['v2', 1],
      ]),
    )
  })

  it('lets one flusher run at a time: a second one gets LockNotAcquiredError', async () => {
    const first = make()
    // Memory drivers are independent stores: there, both flushers share one kit.
    const second = name === 'memory' ? first : make()
    const views = first.counters.family('video:views', { writeBehind: true })
    await views.incr('v1')
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let entered = false
    const running = views.flush(async () => {
      entered = true
      await gate
    })
    await vi.waitFor(() => expect(entered).toBe(true), patience)
    await expect(second.counters.family('video:views', { writeBehind: true }).flush(async () => undefined)).rejects.toBeInstanceOf(
      LockNotAcquiredError,
    )
    release()
    expect(await running).toMatchObject({ batches: 1 })
  })

  it("recovers a dead flusher's batch under its original id, marked recovered", async () => {
    const kit = make()
    const views = kit.counters.family('video:views', { writeBehind: true, shards: 1 })
    await views.incr('v1', 4)
    await views.incr('v2', 2)
    // What a flusher that died after taking its batch leaves behind.
    const keys = views.keys
    await kit.driver.eval(
      counterTake,
      [keys.pending(0), keys.batches(0), keys.batch(0, 'dead-batch')],
      ['dead-batch', '500', String(Date.now())],
    )
    await views.incr('v1', 1)
    const db = new Database()
    expect(await views.flush(db.apply)).toEqual({ batches: 2, counters: 3, recovered: 1 })
    expect(db.batches[0]).toMatchObject({
      id: 'dead-batch',
      recovered: true,
      deltas: [
        { id: 'v2', delta: 2 },
        { id: 'v1', delta: 4 },
      ],
    })
    expect(db.views).toEqual(
      new Map([
        ['v2', 2],
        ['v1', 5],
      ]),
    )
  })

  it('flushes on a schedule in several instances, one at a time, everything exactly once', async () => {
    const kitsHere = name === 'memory' ? [make()] : [make(), make()]
    const families = kitsHere.map((kit) => kit.counters.family('video:views', { writeBehind: true }))
    const db = new Database()
    let running = 0
    let overlapped = false
    const handler = async (batch: CounterBatch) => {
      running++
      if (running > 1) overlapped = true
      await new Promise((resolve) => setTimeout(resolve, 5))
      await db.apply(batch)
      running--
    }
    const errors: unknown[] = []
    const schedules = families.map((family) =>
      family.scheduleFlush(handler, { every: 30, batchSize: 5, onError: (error) => errors.push(error) }),
    )
    let total = 0
    for (let i = 0; i < 60; i++) {
      await (families[i % families.length] as (typeof families)[number]).incr(`v${i % 7}`, 2)
      total += 2
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 15))
    }
    await vi.waitFor(() => expect([...db.views.values()].reduce((sum, views) => sum + views, 0)).toBe(total), patience)
    await Promise.all(schedules.map((schedule) => schedule.stop()))
    expect(overlapped).toBe(false)
    expect(errors).toEqual([])
    expect(new Set(db.batchIds).size).toBe(db.batchIds.length)
  })
})

describe('scheduled flushes and the kit lifecycle (memory driver, fake timers)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('stop when the kit closes, leaving no timer behind, while deltas are still pending', async () => {
    vi.useFakeTimers()
    const kit = createCachekit({ driver: memoryDriver(), prefix: uniquePrefix('wb') })
    const views = kit.counters.family('video:views', { writeBehind: true })
    const flushed: number[] = []
    views.scheduleFlush(
      async (batch) => {
        flushed.push(batch.deltas.length)
      },
      { every: '1s' },
    )
    await views.incr('v1')
    await vi.advanceTimersByTimeAsync(1_000)
    expect(flushed).toEqual([1])
    await views.incr('v2')
    await kit.close()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(flushed).toEqual([1])
    expect(vi.getTimerCount()).toBe(0)
  })
})
