/**
 * Counters with Redis unreachable, through a real TCP proxy: increments reject with a
 * DriverError within the timeout (no silent local buffering), a flush fails without
 * losing its batch, a scheduled flush reports to onError, and nothing is left unhandled.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { DriverError } from '../../src/core/errors/index.js'
import type { CounterBatch } from '../../src/counter/index.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js'
import { uniquePrefix } from '../support/targets.js'

const TIMEOUT_MS = 200
let proxy: FaultProxy
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  const url = new URL(inject('redisUrl'))
  proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port) })
  process.on('unhandledRejection', onUnhandled)
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await proxy.close()
})

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('counters while Redis is unreachable', () => {
  let kit: Cachekit
  const make = () => {
    kit = createCachekit({
      driver: ioredisDriver({ url: proxy.url, commandTimeoutMs: TIMEOUT_MS }),
      prefix: uniquePrefix('cnt-outage'),
      breaker: { failureThreshold: 50, cooldownMs: 200 },
    })
    return kit
  }
  afterEach(async () => {
    await proxy.restore()
    await kit?.close()
    expect(unhandled).toEqual([])
  })

  it('rejects increments and reads with DriverError within the timeout while Redis hangs', async () => {
    const kit = make()
    const views = kit.counters.family('video:views', { writeBehind: true })
    await views.incr('v1')
    await proxy.hang()
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
          await proxy.cut()
        },
        { lockTtl: 300 },
      )
      .catch((error: unknown) => error)
    expect(failed).toBeInstanceOf(DriverError)
    await proxy.restore()
    const delivered: CounterBatch[] = []
    await until(async () => {
      const result = await views.flush(async (batch) => void delivered.push(batch), { wait: '2s', lockTtl: 300 }).catch(() => undefined)
      return result !== undefined && result.batches > 0
    })
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
    await proxy.cut()
    const errors: unknown[] = []
    let flushed = 0
    const schedule = views.scheduleFlush(
      async (batch) => {
        flushed += batch.deltas.reduce((sum, { delta }) => sum + delta, 0)
      },
      { every: 30, lockTtl: 300, onError: (error) => errors.push(error) },
    )
    await until(() => errors.length >= 2)
    expect(errors.every((error) => error instanceof DriverError)).toBe(true)
    await proxy.restore()
    await until(() => flushed === 2)
    await schedule.stop()
  })
})
