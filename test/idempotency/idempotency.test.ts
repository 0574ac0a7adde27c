import { describe, expect, it, vi } from 'vitest'
import { CachekitError, IdempotencyConflictError, IdempotencyInProgressError, ValidationError } from '../../src/core/errors/index.js'
import { resolveIdempotencyOptions } from '../../src/idempotency/options.js'
import type { Cachekit } from '../../src/kit.js'
import { idempotencyBegin } from '../../src/scripts/index.js'
import { targets } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('idempotency on $name', (target) => {
  const make = useKit(target, { label: 'idem' })

  it('runs the operation once and answers later duplicates with its stored result', async () => {
    const kit = make()
    const charge = vi.fn(async () => ({ chargeId: 'ch_1', at: new Date('2024-03-01T12:00:00Z'), items: new Map([['sku', 2]]) }))
    const first = await kit.idempotency.execute('order:1', charge)
    const second = await kit.idempotency.execute('order:1', charge)
    expect(charge).toHaveBeenCalledTimes(1)
    expect(first).toEqual({
      value: { chargeId: 'ch_1', at: new Date('2024-03-01T12:00:00Z'), items: new Map([['sku', 2]]) },
      replayed: false,
    })
    expect(second).toEqual({ value: first.value, replayed: true })
    expect(second.value.at).toBeInstanceOf(Date)
    expect(await kit.idempotency.run('order:1', charge)).toEqual(first.value)
  })

  it('runs once for concurrent duplicates, which wait for the first caller’s result', async () => {
    const kit = make()
    let runs = 0
    const slow = async () => {
      runs++
      await new Promise((resolve) => setTimeout(resolve, 100))
      return runs
    }
    const results = await Promise.all(Array.from({ length: 20 }, () => kit.idempotency.execute('order:2', slow)))
    expect(runs).toBe(1)
    expect(results.map((result) => result.value)).toEqual(Array(20).fill(1))
    expect(results.filter((result) => !result.replayed)).toHaveLength(1)
  })

  it('rejects a duplicate with IdempotencyInProgressError when it may not wait, or waited long enough', async () => {
    const kit = make()
    const running = deferred<string>()
    const first = kit.idempotency.run('order:3', () => running.promise)
    await vi.waitFor(async () => expect(await kit.driver.exists([idemKey(kit, 'order:3')])).toBe(1))

    const immediate = await kit.idempotency.run('order:3', () => 'again', { wait: 0 }).catch((error: unknown) => error)
    expect(immediate).toBeInstanceOf(IdempotencyInProgressError)
    expect(CachekitError.is(immediate, 'IDEMPOTENCY_IN_PROGRESS')).toBe(true)
    expect((immediate as IdempotencyInProgressError).key).toBe('order:3')
    expect((immediate as IdempotencyInProgressError).retryAfterMs).toBeGreaterThan(20_000)

    const started = Date.now()
    const waited = await kit.idempotency.run('order:3', () => 'again', { wait: 150 }).catch((error: unknown) => error)
    expect(waited).toBeInstanceOf(IdempotencyInProgressError)
    expect((waited as IdempotencyInProgressError).waitedMs).toBeGreaterThanOrEqual(150)
    expect(Date.now() - started).toBeLessThan(5_000)

    running.resolve('done')
    expect(await first).toBe('done')
    expect(await kit.idempotency.run('order:3', () => 'again', { wait: 0 })).toBe('done')
  })

  it('refuses a key reused with another payload, while running and after', async () => {
    const kit = make()
    const running = deferred<string>()
    const first = kit.idempotency.run('order:4', () => running.promise, { payload: { amount: 100, currency: 'EUR' } })
    await vi.waitFor(async () => expect(await kit.driver.exists([idemKey(kit, 'order:4')])).toBe(1))
    const operation = vi.fn(() => 'never')
    await expect(kit.idempotency.run('order:4', operation, { payload: { amount: 999, currency: 'EUR' } })).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    )
    running.resolve('charged')
    await first
    const conflict = await kit.idempotency
      .run('order:4', operation, { payload: { amount: 999, currency: 'EUR' } })
      .catch((error: unknown) => error)
    expect(conflict).toBeInstanceOf(IdempotencyConflictError)
    expect(CachekitError.is(conflict, 'IDEMPOTENCY_CONFLICT')).toBe(true)
    await expect(kit.idempotency.run('order:4', operation)).rejects.toBeInstanceOf(IdempotencyConflictError)
    // The same payload, its keys in another order, is the same request.
    expect(await kit.idempotency.run('order:4', operation, { payload: { currency: 'EUR', amount: 100 } })).toBe('charged')
    expect(operation).not.toHaveBeenCalled()
  })

  it('fingerprints raw bodies as bytes, so a string and its UTF-8 bytes are one request', async () => {
    const kit = make()
    const body = '{"amount":100}'
    await kit.idempotency.run('order:5', () => 1, { payload: body })
    expect(await kit.idempotency.run('order:5', () => 2, { payload: new TextEncoder().encode(body) })).toBe(1)
    await expect(kit.idempotency.run('order:5', () => 3, { payload: '{"amount": 100}' })).rejects.toBeInstanceOf(IdempotencyConflictError)
  })

  it('forgets a failure by default, so a retry runs the operation again', async () => {
    const kit = make()
    const attempts = vi.fn().mockRejectedValueOnce(new Error('card network down')).mockResolvedValueOnce('charged')
    await expect(kit.idempotency.run('order:6', attempts)).rejects.toThrow('card network down')
    expect(await kit.idempotency.run('order:6', attempts)).toBe('charged')
    expect(attempts).toHaveBeenCalledTimes(2)
  })

  it('replays a stored failure with its name, message and properties when asked to store errors', async () => {
    const kit = make()
    class CardDeclined extends Error {
      override name = 'CardDeclined'
      status = 402
      code = 'card_declined'
    }
    const decline = vi.fn(async () => {
      throw new CardDeclined('insufficient funds')
    })
    await expect(kit.idempotency.run('order:7', decline, { storeErrors: true })).rejects.toBeInstanceOf(CardDeclined)
    const replayed = await kit.idempotency.run('order:7', decline, { storeErrors: true }).catch((error: unknown) => error)
    expect(decline).toHaveBeenCalledTimes(1)
    expect(replayed).toBeInstanceOf(Error)
    expect(replayed).toMatchObject({ name: 'CardDeclined', message: 'insufficient funds', status: 402, code: 'card_declined' })

    const timeout = vi
      .fn()
      .mockRejectedValueOnce(Object.assign(new Error('timeout'), { status: 504 }))
      .mockResolvedValueOnce('ok')
    const onlyDeclines = (error: unknown) => (error as { status?: number }).status === 402
    await expect(kit.idempotency.run('order:8', timeout, { storeErrors: onlyDeclines })).rejects.toThrow('timeout')
    expect(await kit.idempotency.run('order:8', timeout, { storeErrors: onlyDeclines })).toBe('ok')
  })

  it('lets a later caller run the operation once a dead owner’s lease runs out', async () => {
    const kit = make()
    // A caller that claimed the key and died: its marker stays until its lease ends.
    await kit.driver.eval(idempotencyBegin, [idemKey(kit, 'order:9')], ['dead-owner', '', '200'])
    const operation = vi.fn(() => 'recovered')
    await expect(kit.idempotency.run('order:9', operation, { wait: 0 })).rejects.toBeInstanceOf(IdempotencyInProgressError)
    expect(await kit.idempotency.run('order:9', operation, { wait: '5s' })).toBe('recovered')
    expect(operation).toHaveBeenCalledTimes(1)
  })

  it('aborts the operation’s signal when its lease is lost', async () => {
    const kit = make()
    let signal: AbortSignal | undefined
    const result = kit.idempotency.run(
      'order:11',
      async (context) => {
        signal = context.signal
        await vi.waitFor(() => expect(context.signal.aborted).toBe(true), { timeout: 5_000, interval: 10 })
        return 'stopped'
      },
      { lease: 60 },
    )
    await vi.waitFor(() => expect(signal).toBeDefined())
    await kit.idempotency.forget('order:11')
    expect(await result).toBe('stopped')
    expect(signal?.reason).toBeInstanceOf(CachekitError)
  })

  it('refuses a result the codec cannot store, and frees the key', async () => {
    const kit = make()
    await expect(kit.idempotency.run('order:12', () => ({ callback: () => 1 }))).rejects.toBeInstanceOf(ValidationError)
    expect(await kit.idempotency.run('order:12', () => 'storable')).toBe('storable')
  })

  it('runs again after forget, and after the stored outcome expires', async () => {
    const kit = make()
    let runs = 0
    const count = () => ++runs
    await kit.idempotency.run('order:13', count)
    expect(await kit.idempotency.forget('order:13')).toBe(true)
    expect(await kit.idempotency.run('order:13', count, { ttl: 100 })).toBe(2)
    expect(await kit.idempotency.run('order:13', count)).toBe(2)
    await vi.waitFor(async () => expect(await kit.idempotency.run('order:13', count, { ttl: 100 })).toBe(3), {
      timeout: 5_000,
      interval: 20,
    })
  })

  it('keeps keys apart however they are spelled', async () => {
    const kit = make()
    const keys = ['a:b', 'a%3Ab', 'a*', '{a}', 42, '42x']
    const values = await Promise.all(keys.map((key) => kit.idempotency.run(key, () => String(key))))
    expect(values).toEqual(keys.map(String))
    expect(await kit.idempotency.run('42', () => 'other')).toBe('42')
  })

  it('refuses bad input with ValidationError, before anything runs', async () => {
    const kit = make()
    const operation = vi.fn(() => 1)
    await expect(kit.idempotency.run('', operation)).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.idempotency.run('x'.repeat(1025), operation)).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.idempotency.run('k', 'not a function' as never)).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.idempotency.run('k', operation, { payload: new Map() })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.idempotency.run('k', operation, { payload: { n: Number.NaN } })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.idempotency.run('k', operation, { ttl: '1 day' })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.idempotency.run('k', operation, { storeErrors: 'yes' as never })).rejects.toBeInstanceOf(ValidationError)
    expect(() => resolveIdempotencyOptions({ lease: 0 })).toThrow(ValidationError)
    expect(operation).not.toHaveBeenCalled()
  })
})

// Timing-bound (the operation outlives two leases): run where the lease logic lives, once per
// scripting kind; the scripts themselves are checked on every target above and by the parity test.
describe.each(targets('memory', 'redis'))('idempotency leases on $name', (target) => {
  const make = useKit(target, { label: 'idem' })

  it('extends its lease while a long operation runs, so duplicates keep waiting instead of running it again', async () => {
    const kit = make()
    let runs = 0
    const long = async () => {
      runs++
      // Outlives two leases: only the extensions keep the key.
      await new Promise((resolve) => setTimeout(resolve, 1_300))
      return 'finished'
    }
    const first = kit.idempotency.run('order:10', long, { lease: 600 })
    await vi.waitFor(async () => expect(await kit.driver.exists([idemKey(kit, 'order:10')])).toBe(1))
    const duplicate = kit.idempotency.run('order:10', long, { lease: 600, wait: '5s' })
    expect(await Promise.all([first, duplicate])).toEqual(['finished', 'finished'])
    expect(runs).toBe(1)
  })
})

function idemKey(kit: Cachekit, key: string): string {
  return `${kit.namespace.prefix}__idem:{${key.replaceAll(':', '%3A')}}`
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((done) => (resolve = done))
  return { promise, resolve }
}
