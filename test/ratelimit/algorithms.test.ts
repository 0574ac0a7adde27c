/**
 * The algorithms' arithmetic, through the kit on the memory driver, where the scripts' JS
 * twins read the (faked) Date clock. The Lua halves are held to the same answers by the
 * parity tests (parity.test.ts), which pass an explicit time to both.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Driver } from '../../src/drivers/driver.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { createCachekit } from '../../src/kit.js'
import type { RateLimitPolicies } from '../../src/ratelimit/index.js'

// A minute boundary, so sliding windows (aligned to the epoch) start exactly here.
const T0 = 1_700_000_040_000

function kitWith<const Limits extends RateLimitPolicies>(rateLimits: Limits, driver: Driver = memoryDriver()) {
  return createCachekit({ driver, rateLimits })
}

/** The memory driver with a count of script calls: how many round trips a real driver would make. */
function countingDriver(): { driver: Driver; evals: () => number } {
  const inner = memoryDriver()
  let evals = 0
  const driver = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'eval') return (...args: Parameters<Driver['eval']>) => (evals++, target.eval(...args))
      return Reflect.get(target, property, receiver)
    },
  })
  return { driver, evals: () => evals }
}

async function drain(call: () => Promise<{ allowed: boolean }>, times: number): Promise<boolean[]> {
  const answers: boolean[] = []
  for (let i = 0; i < times; i++) answers.push((await call()).allowed)
  return answers
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(T0)
})
afterEach(() => {
  vi.useRealTimers()
})

describe('fixed window', () => {
  it('allows limit requests, then denies until the window that began with the first request ends', async () => {
    const kit = kitWith({ api: { algorithm: 'fixed-window', limit: 3, window: '1s' } })
    vi.setSystemTime(T0 + 123)
    expect(await drain(() => kit.rateLimits.limit('api', 'u1'), 4)).toEqual([true, true, true, false])
    vi.setSystemTime(T0 + 1122)
    const denied = await kit.rateLimits.limit('api', 'u1')
    expect(denied).toEqual({ allowed: false, limit: 3, remaining: 0, resetAt: T0 + 1123, retryAfterMs: 1 })
    vi.setSystemTime(T0 + 1123)
    expect(await kit.rateLimits.limit('api', 'u1')).toEqual({ allowed: true, limit: 3, remaining: 2, resetAt: T0 + 2123, retryAfterMs: 0 })
  })

  it('reports remaining, resetAt and retryAfterMs on every answer', async () => {
    const kit = kitWith({ api: { algorithm: 'fixed-window', limit: 2, window: '1h' } })
    expect(await kit.rateLimits.limit('api', 'u1')).toEqual({
      allowed: true,
      limit: 2,
      remaining: 1,
      resetAt: T0 + 3_600_000,
      retryAfterMs: 0,
    })
    vi.setSystemTime(T0 + 60_000)
    expect(await kit.rateLimits.limit('api', 'u1')).toEqual({
      allowed: true,
      limit: 2,
      remaining: 0,
      resetAt: T0 + 3_600_000,
      retryAfterMs: 0,
    })
    expect(await kit.rateLimits.limit('api', 'u1')).toEqual({
      allowed: false,
      limit: 2,
      remaining: 0,
      resetAt: T0 + 3_600_000,
      retryAfterMs: 3_540_000,
    })
  })

  it('keeps identifiers and policies apart', async () => {
    const kit = kitWith({
      a: { algorithm: 'fixed-window', limit: 1, window: '1h' },
      b: { algorithm: 'fixed-window', limit: 1, window: '1h' },
    })
    expect((await kit.rateLimits.limit('a', 'u1')).allowed).toBe(true)
    expect((await kit.rateLimits.limit('a', 'u2')).allowed).toBe(true)
    expect((await kit.rateLimits.limit('b', 'u1')).allowed).toBe(true)
    expect((await kit.rateLimits.limit('a', 'u1')).allowed).toBe(false)
  })
})

describe('sliding window', () => {
  it('weighs the previous window by how much of it the sliding window still covers', async () => {
    const kit = kitWith({ login: { algorithm: 'sliding-window', limit: 10, window: '1m' } })
    vi.setSystemTime(T0 + 30_000)
    expect(await drain(() => kit.rateLimits.limit('login', 'ada'), 11)).toEqual([...Array(10).fill(true), false])
    // A quarter into the next window, the previous ten weigh 7.5: two more fit (8.5, 9.5), a third would be 10.5.
    vi.setSystemTime(T0 + 75_000)
    const first = await kit.rateLimits.limit('login', 'ada')
    const second = await kit.rateLimits.limit('login', 'ada')
    const third = await kit.rateLimits.limit('login', 'ada')
    expect([first.allowed, first.remaining, second.allowed, second.remaining]).toEqual([true, 1, true, 0])
    // Retry when 10 * (1 - f) + 2 + 1 <= 10, i.e. at f = 0.3: 18 s into the window, 3 s from now.
    expect(third).toEqual({ allowed: false, limit: 10, remaining: 0, resetAt: T0 + 180_000, retryAfterMs: 3_000 })
    vi.setSystemTime(T0 + 78_000)
    expect((await kit.rateLimits.limit('login', 'ada')).allowed).toBe(true)
  })

  it('forgets everything two windows after the last request', async () => {
    const kit = kitWith({ login: { algorithm: 'sliding-window', limit: 2, window: '1m' } })
    await drain(() => kit.rateLimits.limit('login', 'ada'), 2)
    vi.setSystemTime(T0 + 120_000)
    expect(await kit.rateLimits.limiter('login').peek('ada')).toEqual({
      allowed: true,
      limit: 2,
      remaining: 2,
      resetAt: T0 + 120_000,
      retryAfterMs: 0,
    })
  })

  it('waits into the next window when the current one is full', async () => {
    const kit = kitWith({ login: { algorithm: 'sliding-window', limit: 4, window: '1m' } })
    vi.setSystemTime(T0 + 59_000)
    await drain(() => kit.rateLimits.limit('login', 'ada'), 4)
    // current = 4: next window, 4 * (1 - f) + 1 <= 4 at f = 0.25, i.e. T0 + 75 s.
    expect(await kit.rateLimits.limit('login', 'ada')).toMatchObject({ allowed: false, retryAfterMs: 16_000 })
  })
})

describe('token bucket', () => {
  const bucket = { algorithm: 'token-bucket', limit: 5, refillRate: 1, interval: '1s' } as const

  it('allows a burst of limit, then refillRate tokens per interval', async () => {
    const kit = kitWith({ api: bucket })
    expect(await drain(() => kit.rateLimits.limit('api', 'k'), 6)).toEqual([true, true, true, true, true, false])
    vi.setSystemTime(T0 + 999)
    expect(await kit.rateLimits.limit('api', 'k')).toEqual({ allowed: false, limit: 5, remaining: 0, resetAt: T0 + 5000, retryAfterMs: 1 })
    vi.setSystemTime(T0 + 2500)
    expect(await drain(() => kit.rateLimits.limit('api', 'k'), 3)).toEqual([true, true, false])
  })

  it('never holds more than limit tokens, however long it rests', async () => {
    const kit = kitWith({ api: bucket })
    await kit.rateLimits.limit('api', 'k', { cost: 5 })
    vi.setSystemTime(T0 + 3_600_000)
    expect(await kit.rateLimits.limiter('api').peek('k')).toMatchObject({ allowed: true, remaining: 5, resetAt: T0 + 3_600_000 })
    expect(await drain(() => kit.rateLimits.limit('api', 'k'), 6)).toEqual([true, true, true, true, true, false])
  })

  it('says when the bucket is full again and when this cost fits', async () => {
    const kit = kitWith({ api: { algorithm: 'token-bucket', limit: 10, refillRate: 2, interval: '1s' } })
    expect(await kit.rateLimits.limit('api', 'k', { cost: 9 })).toEqual({
      allowed: true,
      limit: 10,
      remaining: 1,
      resetAt: T0 + 5000,
      retryAfterMs: 0,
    })
    expect(await kit.rateLimits.limit('api', 'k', { cost: 6 })).toEqual({
      allowed: false,
      limit: 10,
      remaining: 1,
      resetAt: T0 + 5000,
      retryAfterMs: 3000,
    })
  })
})

describe('sliding log', () => {
  it('counts exactly the requests of the last window', async () => {
    const kit = kitWith({ otp: { algorithm: 'sliding-log', limit: 3, window: '1s' } })
    for (const at of [0, 100, 200]) {
      vi.setSystemTime(T0 + at)
      expect((await kit.rateLimits.limit('otp', 'phone')).allowed).toBe(true)
    }
    vi.setSystemTime(T0 + 300)
    expect(await kit.rateLimits.limit('otp', 'phone')).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetAt: T0 + 1200,
      retryAfterMs: 700,
    })
    // The window is (now - 1 s, now]: at T0 + 1000 the request of T0 has left it.
    vi.setSystemTime(T0 + 1000)
    expect(await kit.rateLimits.limit('otp', 'phone')).toMatchObject({ allowed: true, remaining: 0 })
    expect(await kit.rateLimits.limit('otp', 'phone')).toMatchObject({ allowed: false, retryAfterMs: 100 })
  })

  it('logs each unit of cost', async () => {
    const kit = kitWith({ otp: { algorithm: 'sliding-log', limit: 5, window: '1s' } })
    vi.setSystemTime(T0 + 10)
    await kit.rateLimits.limit('otp', 'p', { cost: 2 })
    vi.setSystemTime(T0 + 20)
    await kit.rateLimits.limit('otp', 'p', { cost: 3 })
    // Two units must leave for a cost of 2: both are from T0 + 10.
    expect(await kit.rateLimits.limit('otp', 'p', { cost: 2 })).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 990 })
  })
})

describe.each([
  ['fixed-window', { algorithm: 'fixed-window', limit: 10, window: '1m' }],
  ['sliding-window', { algorithm: 'sliding-window', limit: 10, window: '1m' }],
  ['token-bucket', { algorithm: 'token-bucket', limit: 10, refillRate: 1, interval: '1m' }],
  ['sliding-log', { algorithm: 'sliding-log', limit: 10, window: '1m' }],
] as const)('%s: cost, peek, blockFor, reset', (_, policy) => {
  it('charges cost units, and refuses a cost that does not fit without charging it', async () => {
    const kit = kitWith({ p: policy })
    expect(await kit.rateLimits.limit('p', 'id', { cost: 4 })).toMatchObject({ allowed: true, remaining: 6 })
    expect(await kit.rateLimits.limit('p', 'id', { cost: 4 })).toMatchObject({ allowed: true, remaining: 2 })
    expect(await kit.rateLimits.limit('p', 'id', { cost: 3 })).toMatchObject({ allowed: false, remaining: 2 })
    expect(await kit.rateLimits.limit('p', 'id', { cost: 2 })).toMatchObject({ allowed: true, remaining: 0 })
  })

  it('peeks without consuming', async () => {
    const kit = kitWith({ p: policy })
    await kit.rateLimits.limit('p', 'id', { cost: 3 })
    for (let i = 0; i < 20; i++) expect(await kit.rateLimits.limiter('p').peek('id')).toMatchObject({ allowed: true, remaining: 7 })
    expect(await kit.rateLimits.limiter('p').peek('id', { cost: 8 })).toMatchObject({ allowed: false, remaining: 7 })
    expect(await kit.rateLimits.limit('p', 'id')).toMatchObject({ allowed: true, remaining: 6 })
  })

  it('blocks an identifier for blockFor after a denial, however the algorithm would answer', async () => {
    const kit = kitWith({ p: { ...policy, blockFor: '1h' } })
    await kit.rateLimits.limit('p', 'id', { cost: 10 })
    expect(await kit.rateLimits.limit('p', 'id')).toMatchObject({ allowed: false, blocked: true, remaining: 0, retryAfterMs: 3_600_000 })
    vi.setSystemTime(T0 + 30 * 60_000)
    expect(await kit.rateLimits.limit('p', 'id')).toMatchObject({ allowed: false, blocked: true, retryAfterMs: 30 * 60_000 })
    expect(await kit.rateLimits.limiter('p').peek('id')).toMatchObject({ allowed: false, blocked: true })
    vi.setSystemTime(T0 + 60 * 60_000)
    expect((await kit.rateLimits.limit('p', 'id')).allowed).toBe(true)
    expect((await kit.rateLimits.limit('p', 'other')).allowed).toBe(true)
  })

  it('starts no block on a peek', async () => {
    const kit = kitWith({ p: { ...policy, blockFor: '1h' } })
    await kit.rateLimits.limit('p', 'id', { cost: 10 })
    expect(await kit.rateLimits.limiter('p').peek('id')).toMatchObject({ allowed: false })
    expect((await kit.rateLimits.limiter('p').peek('id')).blocked).toBeUndefined()
    vi.setSystemTime(T0 + 2 * 60_000)
    expect((await kit.rateLimits.limit('p', 'id')).allowed).toBe(true)
  })

  it('reset forgets counts and blocks', async () => {
    const kit = kitWith({ p: { ...policy, blockFor: '1h' } })
    await kit.rateLimits.limit('p', 'id', { cost: 10 })
    await kit.rateLimits.limit('p', 'id')
    await kit.rateLimits.reset('p', 'id')
    expect(await kit.rateLimits.limit('p', 'id')).toMatchObject({ allowed: true, remaining: 9 })
  })
})

describe('changing a policy between deploys', () => {
  it('lifts the blocks a policy started once blockFor is removed from it', async () => {
    const driver = memoryDriver()
    const strict = kitWith({ p: { algorithm: 'fixed-window', limit: 1, window: '1m', blockFor: '1h', blockCache: false } }, driver)
    await drain(() => strict.rateLimits.limit('p', 'id'), 2)
    vi.setSystemTime(T0 + 60_000)
    expect(await strict.rateLimits.limit('p', 'id')).toMatchObject({ allowed: false, blocked: true })
    const relaxed = kitWith({ p: { algorithm: 'fixed-window', limit: 1, window: '1m' } }, driver)
    expect(await relaxed.rateLimits.limit('p', 'id')).toMatchObject({ allowed: true, remaining: 0 })
  })

  it('denies under a lowered limit until enough has expired, reporting remaining 0', async () => {
    const driver = memoryDriver()
    const generous = kitWith({ p: { algorithm: 'sliding-log', limit: 10, window: '1m' } }, driver)
    await generous.rateLimits.limit('p', 'id', { cost: 8 })
    const strict = kitWith({ p: { algorithm: 'sliding-log', limit: 5, window: '1m' } }, driver)
    expect(await strict.rateLimits.limit('p', 'id')).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 60_000 })
  })
})

describe('the block cache', () => {
  it('answers known denials without a round trip until the identifier may retry', async () => {
    const { driver, evals } = countingDriver()
    const kit = kitWith({ api: { algorithm: 'fixed-window', limit: 2, window: '1m' } }, driver)
    await drain(() => kit.rateLimits.limit('api', 'flood'), 3)
    expect(evals()).toBe(3)
    const denials = await drain(() => kit.rateLimits.limit('api', 'flood'), 100)
    expect(denials.every((allowed) => !allowed)).toBe(true)
    expect(evals()).toBe(3)
    expect(await kit.rateLimits.limit('api', 'flood')).toEqual({
      allowed: false,
      limit: 2,
      remaining: 0,
      resetAt: T0 + 60_000,
      retryAfterMs: 60_000,
    })
    vi.setSystemTime(T0 + 60_000)
    expect((await kit.rateLimits.limit('api', 'flood')).allowed).toBe(true)
    expect(evals()).toBe(4)
  })

  it('remembers blocks as blocks', async () => {
    const { driver, evals } = countingDriver()
    const kit = kitWith({ api: { algorithm: 'fixed-window', limit: 1, window: '1m', blockFor: '10m' } }, driver)
    await drain(() => kit.rateLimits.limit('api', 'x'), 2)
    expect(await kit.rateLimits.limit('api', 'x')).toMatchObject({ allowed: false, blocked: true, retryAfterMs: 600_000 })
    expect(evals()).toBe(2)
  })

  it('does not remember a refused large cost, since a smaller one may still fit', async () => {
    const { driver, evals } = countingDriver()
    const kit = kitWith({ api: { algorithm: 'fixed-window', limit: 10, window: '1m' } }, driver)
    await kit.rateLimits.limit('api', 'x', { cost: 8 })
    expect((await kit.rateLimits.limit('api', 'x', { cost: 5 })).allowed).toBe(false)
    expect((await kit.rateLimits.limit('api', 'x', { cost: 2 })).allowed).toBe(true)
    expect(evals()).toBe(3)
  })

  it('is forgotten by reset, and can be turned off', async () => {
    const { driver, evals } = countingDriver()
    const kit = kitWith(
      {
        cached: { algorithm: 'fixed-window', limit: 1, window: '1m' },
        uncached: { algorithm: 'fixed-window', limit: 1, window: '1m', blockCache: false },
      },
      driver,
    )
    await drain(() => kit.rateLimits.limit('cached', 'x'), 2)
    await kit.rateLimits.reset('cached', 'x')
    expect((await kit.rateLimits.limit('cached', 'x')).allowed).toBe(true)
    const before = evals()
    await drain(() => kit.rateLimits.limit('uncached', 'x'), 5)
    expect(evals() - before).toBe(5)
  })
})
