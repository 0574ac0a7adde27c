import { spawnSync } from 'node:child_process'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CommandError, ValidationError } from '../../../src/core/errors/index.js'
import type { Driver } from '../../../src/drivers/driver.js'
import { memoryDriver } from '../../../src/drivers/memory/index.js'

function infoField(info: string, field: string): number {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info)
  if (!match) throw new Error(`INFO has no ${field}`)
  return Number(match[1])
}

describe('memory driver: expiry', () => {
  let driver: Driver
  beforeEach(() => {
    vi.useFakeTimers()
    driver = memoryDriver({ sweepIntervalMs: 100 })
  })
  afterEach(async () => {
    await driver.close()
    vi.useRealTimers()
  })

  it('expires a key exactly at its TTL', async () => {
    await driver.set('k', 'v', { ttlMs: 1000 })
    vi.advanceTimersByTime(999)
    expect(await driver.get('k')).toBe('v')
    expect(await driver.pttl('k')).toBe(1)
    vi.advanceTimersByTime(1)
    expect(await driver.get('k')).toBeNull()
  })

  it('frees expired keys that are never read, through the periodic sweep', async () => {
    for (let i = 0; i < 50; i++) await driver.set(`k${i}`, 'v', { ttlMs: 500 })
    await driver.set('keep', 'v')
    expect(await driver.info('keyspace')).toContain('db0:keys=51,expires=50')
    vi.advanceTimersByTime(700)
    expect(await driver.info('keyspace')).toContain('db0:keys=1,expires=0')
    expect(infoField(await driver.info('stats'), 'expired_keys')).toBe(50)
  })

  it('keeps a TTL through INCRBY and drops it on a plain SET', async () => {
    await driver.set('n', '1', { ttlMs: 1000 })
    await driver.incrBy('n', 1)
    vi.advanceTimersByTime(1000)
    expect(await driver.get('n')).toBeNull()
  })
})

describe('memory driver: bounds', () => {
  it('evicts the least recently used keys beyond maxEntries', async () => {
    const driver = memoryDriver({ maxEntries: 3 })
    await driver.set('a', '1')
    await driver.set('b', '2')
    await driver.set('c', '3')
    await driver.get('a')
    await driver.set('d', '4')
    expect(await driver.mget(['a', 'b', 'c', 'd'])).toEqual(['1', null, '3', '4'])
    expect(infoField(await driver.info('stats'), 'evicted_keys')).toBe(1)
    await driver.close()
  })

  it('evicts beyond maxBytes and reports the bound as maxmemory', async () => {
    const driver = memoryDriver({ maxBytes: 10_000 })
    for (let i = 0; i < 20; i++) await driver.set(`k${i}`, 'x'.repeat(1000))
    const memory = await driver.info('memory')
    expect(infoField(memory, 'used_memory')).toBeLessThanOrEqual(10_000)
    expect(infoField(memory, 'maxmemory')).toBe(10_000)
    expect(await driver.get('k19')).toBe('x'.repeat(1000))
    expect(await driver.get('k0')).toBeNull()
    await driver.close()
  })

  it('counts collection members against maxBytes', async () => {
    const driver = memoryDriver({ maxBytes: 4_000 })
    await driver.set('victim', 'v')
    let added = 0
    while (added < 1_000 && (await driver.get('victim')) !== null) {
      await driver.sadd(
        'big',
        Array.from({ length: 10 }, (_, i) => `member-${added + i}`),
      )
      added += 10
    }
    expect(await driver.get('victim')).toBeNull()
    expect(added).toBeLessThan(1_000)
    expect(await driver.scard('big')).toBe(added)
    await driver.close()
  })

  it('refuses a single value larger than maxBytes with an OOM CommandError', async () => {
    const driver = memoryDriver({ maxBytes: 1_000 })
    await driver.set('small', 'v')
    const error = await driver.set('huge', 'x'.repeat(5_000)).catch((reason: unknown) => reason)
    expect(error).toBeInstanceOf(CommandError)
    expect((error as CommandError).reply).toBe('OOM')
    expect(await driver.get('small')).toBe('v')
    await driver.close()
  })

  it.each([0, -1, 1.5, Number.NaN])('refuses a bound of %s', (bound) => {
    expect(() => memoryDriver({ maxEntries: bound })).toThrow(ValidationError)
    expect(() => memoryDriver({ maxBytes: bound })).toThrow(ValidationError)
  })
})

describe('memory driver: accounting', () => {
  it('returns used_memory to zero once everything is deleted', async () => {
    const driver = memoryDriver()
    await driver.set('s', 'value')
    await driver.hset('h', { a: '1', b: '22' })
    await driver.hdel('h', ['a'])
    await driver.sadd('set', ['x', 'y'])
    await driver.zadd('z', [{ member: 'm', score: 1 }])
    await driver.incrBy('n', 5)
    expect(infoField(await driver.info('memory'), 'used_memory')).toBeGreaterThan(0)
    await driver.del(['s', 'h', 'set', 'z', 'n'])
    expect(infoField(await driver.info('memory'), 'used_memory')).toBe(0)
    await driver.close()
  })

  it('lets an idle process exit without close(): the sweep timer does not hold it open', () => {
    const script =
      "import('./src/drivers/memory/index.ts').then(async (m) => { const d = m.memoryDriver(); await d.set('k', 'v', { ttlMs: 60000 }); console.log('created') })"
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 15_000 })
    expect(child.signal).toBeNull()
    expect(child.status).toBe(0)
    expect(child.stdout).toContain('created')
  })
})

describe('memory driver: pub/sub isolation', () => {
  it('reports a throwing handler to onHandlerError instead of crashing', async () => {
    const errors: unknown[] = []
    const driver = memoryDriver({ onHandlerError: (error) => errors.push(error) })
    await driver.subscribe('c', () => {
      throw new Error('boom')
    })
    await driver.publish('c', 'm')
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    await driver.close()
  })

  it('keeps two driver instances apart', async () => {
    const one = memoryDriver()
    const two = memoryDriver()
    await one.set('k', '1')
    expect(await two.get('k')).toBeNull()
    await Promise.all([one.close(), two.close()])
  })
})

describe('memory driver: clock', () => {
  it('follows fake timers installed after the driver was created', async () => {
    const driver = memoryDriver()
    vi.useFakeTimers()
    try {
      await driver.set('k', 'v', { ttlMs: 1000 })
      vi.advanceTimersByTime(1000)
      expect(await driver.get('k')).toBeNull()
    } finally {
      vi.useRealTimers()
      await driver.close()
    }
  })
})
