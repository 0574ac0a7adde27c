/**
 * Counters with Redis unreachable, through a real TCP proxy: increments reject with a
 * DriverError within the timeout (no silent local buffering), a flush fails without
 * losing its batch, a scheduled flush reports to onError, and nothing is left unhandled.
 */
import { describe, expect, it, vi } from 'vitest'
import { DriverError } from '../../src/core/errors/index.js'
import type { CounterBatch } from '../../src/counter/index.js'
import { useOutage } from '../support/outage.js'
import { useKit } from '../support/use-kit.js'
import { patience } from '../support/wait.js'

const TIMEOUT_MS = 200
const outage = useOutage({ driver: { commandTimeoutMs: TIMEOUT_MS }, failOnUnhandled: true })

describe('counters while Redis is unreachable', () => {
  const make = useKit(outage.target, { label: 'cnt-outage', breaker: { failureThreshold: 50, cooldownMs: 200 } })

  it('rejects increments and reads with DriverError within the timeout while Redis hangs', async () => {
    const kit = make()
    const views = kit.counters.family('video:views', { writeBehind: true })
    await views.incr('v1')
    await outage.hang()
    const started = Date.now()
    await expect(views.incr('v1')).rejects.toBeInstanceOf(DriverError)
    await expect(kit.counters.incr('hits')).rejects.toBeInstanceOf(DriverError)
    await expect(views.get('v1')).rejects.toBeInstanceOf(DriverError)
    expect(Date.now() - started).toBeLessThan(3 * TIMEOUT_MS * 4 + 1_000)
  })

  it('keeps a batch whose flush lost Redis mid-way, and the next flush delivers it', async () => {
    const kit = make()
    const views = kit.counters.family('video:views', { writeBehind: true, shards: 1 })
    await views.incr('v1', 3)
    await views.incr('v2', 4)
    const failed = await views
      .flush(
        async () => {
          await outage.cut()
        },
        { lockTtl: 300 },
      )
      .catch((error: unknown) => error)
    expect(failed).toBeInstanceOf(DriverError)
    await outage.restore()
    const delivered: CounterBatch[] = []
    await vi.waitFor(async () => {
      const result = await views.flush(async (batch) => void delivered.push(batch), { wait: '2s', lockTtl: 300 }).catch(() => undefined)
      expect(result?.batches).toBeGreaterThan(0)
    }, patience)
    expect(delivered).toHaveLength(1)
    expect(delivered[0]?.recovered).toBe(true)
    expect([...(delivered[0]?.deltas ?? [])].sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'v1', delta: 3 },
      { id: 'v2', delta: 4 },
    ])
  })

  it('reports scheduled flush failures to onError and catches up once Redis is back', async () => {
    const kit = make()
    const views = kit.counters.family('video:views', { writeBehind: true })
    await views.incr('v1', 2)
    await outage.cut()
    const errors: unknown[] = []
    let flushed = 0
    const schedule = views.scheduleFlush(
      async (batch) => {
        flushed += batch.deltas.reduce((sum, { delta }) => sum + delta, 0)
      },
      { every: 30, lockTtl: 300, onError: (error) => errors.push(error) },
    )
    await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2), patience)
    expect(errors.every((error) => error instanceof DriverError)).toBe(true)
    await outage.restore()
    await vi.waitFor(() => expect(flushed).toBe(2), patience)
    await schedule.stop()
  })
})
