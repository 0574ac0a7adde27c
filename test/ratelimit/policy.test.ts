/**
 * Policies are checked once, at createCachekit, with messages that name the policy and
 * option at fault; calls are checked before anything is sent; every refusal is a
 * ValidationError (a rejected promise for calls).
 */
import { describe, expect, it } from 'vitest'
import { CachekitError, RateLimitExceededError, ValidationError } from '../../src/core/errors/index.js'
import { createCachekit } from '../../src/kit.js'
import { BlockCache } from '../../src/ratelimit/block-cache.js'
import { rateLimitHeaders, RATE_LIMIT_DEFAULTS, resolvePolicy, type RateLimitPolicies } from '../../src/ratelimit/index.js'

function refusal(rateLimits: unknown): string {
  try {
    createCachekit({ rateLimits: rateLimits as RateLimitPolicies })
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return (error as ValidationError).message
  }
  throw new Error('createCachekit accepted the policy table')
}

describe('policy validation at createCachekit', () => {
  it.each([
    [
      { p: { algorithm: 'leaky-bucket', limit: 1, window: '1m' } },
      "rateLimits.p.algorithm must be one of 'fixed-window', 'sliding-window', 'token-bucket', 'sliding-log', got \"leaky-bucket\"",
    ],
    [{ p: { limit: 1, window: '1m' } }, 'rateLimits.p.algorithm must be one of'],
    [{ p: { algorithm: 'fixed-window', limit: 0, window: '1m' } }, 'rateLimits.p.limit must be a positive integer, got 0'],
    [{ p: { algorithm: 'fixed-window', limit: 2.5, window: '1m' } }, 'rateLimits.p.limit must be a positive integer, got 2.5'],
    [{ p: { algorithm: 'fixed-window', limit: '5', window: '1m' } }, 'rateLimits.p.limit must be a positive integer, got "5"'],
    [{ p: { algorithm: 'fixed-window', limit: 2e9, window: '1m' } }, 'rateLimits.p.limit must be at most 1000000000, got 2000000000'],
    [{ p: { algorithm: 'sliding-log', limit: 10_001, window: '1m' } }, 'rateLimits.p.limit must be at most 10000, got 10001'],
    [{ p: { algorithm: 'fixed-window', limit: 5 } }, "rateLimits.p.window is required (milliseconds or a duration such as '1m')"],
    [{ p: { algorithm: 'fixed-window', limit: 5, window: '5 minutes' } }, 'rateLimits.p.window: cannot parse "5 minutes"'],
    [{ p: { algorithm: 'fixed-window', limit: 5, window: 0 } }, 'rateLimits.p.window must be positive, got 0'],
    [{ p: { algorithm: 'fixed-window', limit: 5, window: '400d' } }, 'rateLimits.p.window must be at most 366 days'],
    [{ p: { algorithm: 'token-bucket', limit: 5, interval: '1s' } }, 'rateLimits.p.refillRate must be a positive integer, got undefined'],
    [
      { p: { algorithm: 'token-bucket', limit: 5, refillRate: 6, interval: '1s' } },
      'rateLimits.p.refillRate must be at most 5 (limit: the bucket never holds more than limit tokens), got 6',
    ],
    [{ p: { algorithm: 'token-bucket', limit: 5, refillRate: 1 } }, 'rateLimits.p.interval is required'],
    [
      { p: { algorithm: 'token-bucket', limit: 5, refillRate: 1, interval: '1s', window: '1m' } },
      "rateLimits.p has unknown option(s) 'window' for 'token-bucket'",
    ],
    [
      { p: { algorithm: 'fixed-window', limit: 5, window: '1m', blokFor: '1m' } },
      "rateLimits.p has unknown option(s) 'blokFor' for 'fixed-window'",
    ],
    [
      { p: { algorithm: 'fixed-window', limit: 5, window: '1m', blockFor: -1 } },
      'rateLimits.p.blockFor must be a finite, non-negative number of milliseconds, got -1',
    ],
    [
      { p: { algorithm: 'fixed-window', limit: 5, window: '1m', onError: 'fail-open' } },
      "rateLimits.p.onError must be 'allow' or 'deny', got \"fail-open\"",
    ],
    [
      { p: { algorithm: 'fixed-window', limit: 5, window: '1m', insurance: 'yes' } },
      'rateLimits.p.insurance must be a boolean or { limit }, got "yes"',
    ],
    [
      { p: { algorithm: 'fixed-window', limit: 5, window: '1m', insurance: { limit: 6 } } },
      'rateLimits.p.insurance.limit must be at most 5 (the policy limit), got 6',
    ],
    [
      { p: { algorithm: 'fixed-window', limit: 5, window: '1m', insurance: { max: 1 } } },
      "rateLimits.p.insurance has unknown option(s) 'max'",
    ],
    [{ p: { algorithm: 'fixed-window', limit: 5, window: '1m', blockCache: 1 } }, 'rateLimits.p.blockCache must be a boolean, got 1'],
    [{ 'a b': { algorithm: 'fixed-window', limit: 5, window: '1m' } }, 'rate limit policy name "a b" must be 1 to 64 letters'],
    [{ 'a{b}': { algorithm: 'fixed-window', limit: 5, window: '1m' } }, 'rate limit policy name "a{b}" must be'],
    [{ p: null }, 'rateLimits.p must be a policy object, got null'],
    [[], 'rateLimits must be an object of policies, got an array'],
  ])('refuses %j', (table, message) => {
    expect(refusal(table)).toContain(message)
  })

  it('resolves durations and applies documented defaults', () => {
    const kit = createCachekit({
      rateLimits: {
        api: { algorithm: 'fixed-window', limit: 1000, window: '1h' },
        bucket: {
          algorithm: 'token-bucket',
          limit: 20,
          refillRate: 5,
          interval: '1s',
          blockFor: '10m',
          onError: 'deny',
          insurance: true,
          blockCache: false,
        },
      },
    })
    expect(kit.rateLimits.limiter('api').policy).toEqual({
      name: 'api',
      algorithm: 'fixed-window',
      limit: 1000,
      windowMs: 3_600_000,
      refillRate: undefined,
      blockForMs: 0,
      onError: 'allow',
      insuranceLimit: undefined,
      blockCache: true,
    })
    expect(kit.rateLimits.limiter('bucket').policy).toMatchObject({
      windowMs: 1000,
      refillRate: 5,
      blockForMs: 600_000,
      onError: 'deny',
      insuranceLimit: 20,
      blockCache: false,
    })
    expect(Object.isFrozen(kit.rateLimits.limiter('api').policy)).toBe(true)
    expect(Object.isFrozen(RATE_LIMIT_DEFAULTS)).toBe(true)
    expect(kit.rateLimits.policies).toEqual(['api', 'bucket'])
  })
})

describe('call validation', () => {
  const kit = createCachekit({ rateLimits: { api: { algorithm: 'fixed-window', limit: 10, window: '1m' } } })

  it('rejects an unknown policy naming the known ones', async () => {
    // @ts-expect-error 'apii' is not a policy of the table
    await expect(kit.rateLimits.limit('apii', 'u')).rejects.toThrow('unknown rate limit policy "apii"; the policies are "api"')
    expect(() => createCachekit().rateLimits.limiter('api' as never)).toThrow('the policies are none (pass rateLimits to createCachekit)')
  })

  it.each([
    [0, 'rate limit cost must be a positive integer, got 0'],
    [-1, 'got -1'],
    [1.5, 'got 1.5'],
    ['2', 'got 2'],
    [11, 'rate limit cost 11 exceeds the limit of policy "api" (10); such a request could never be allowed'],
  ])('rejects cost %j', async (cost, message) => {
    await expect(kit.rateLimits.limit('api', 'u', { cost: cost as number })).rejects.toThrow(message)
    await expect(kit.rateLimits.limiter('api').peek('u', { cost: cost as number })).rejects.toBeInstanceOf(ValidationError)
  })

  it.each([
    ['', 'rate limit identifier must not be an empty string'],
    [Number.NaN, 'rate limit identifier must be a finite number, got NaN'],
    [null, 'rate limit identifier must be a string or a number, got null'],
    [{ id: 1 }, 'rate limit identifier must be a string or a number, got object'],
    ['\ud800', 'rate limit identifier contains a lone UTF-16 surrogate'],
    ['x'.repeat(1025), 'rate limit identifier must be at most 1024 characters, got 1025; hash longer ones first'],
  ])('rejects identifier %j', async (identifier, message) => {
    await expect(kit.rateLimits.limit('api', identifier as string)).rejects.toThrow(message)
    await expect(kit.rateLimits.reset('api', identifier as string)).rejects.toBeInstanceOf(ValidationError)
  })
})

describe('RateLimitExceededError', () => {
  it('carries the denial and a docs link, and keeps the identifier out of its message', async () => {
    const kit = createCachekit({ rateLimits: { login: { algorithm: 'fixed-window', limit: 1, window: '15m', blockFor: '1h' } } })
    await kit.rateLimits.limitOrThrow('login', 'ada@example.com')
    const error = await kit.rateLimits.limitOrThrow('login', 'ada@example.com').catch((caught: unknown) => caught)
    expect(CachekitError.is(error, 'RATE_LIMIT_EXCEEDED')).toBe(true)
    expect(error).toMatchObject({
      name: 'RateLimitExceededError',
      policy: 'login',
      limit: 1,
      remaining: 0,
      blocked: true,
      degraded: false,
      retryAfterMs: 3_600_000,
    })
    expect((error as RateLimitExceededError).message).toBe('rate limit "login" exceeded (blocked); retry in 3600 s')
    expect((error as RateLimitExceededError).docs).toMatch(/errors\.md#rate-limit-exceeded$/)
  })
})

describe('rateLimitHeaders', () => {
  it('gives the draft-6 RateLimit headers, and Retry-After on a denial, in whole seconds rounded up', () => {
    const policy = resolvePolicy('api', { algorithm: 'fixed-window', limit: 100, window: '15m' })
    const now = 1_700_000_000_000
    expect(rateLimitHeaders({ allowed: true, limit: 100, remaining: 99, resetAt: now + 899_001, retryAfterMs: 0 }, policy, now)).toEqual({
      'RateLimit-Policy': '100;w=900',
      'RateLimit-Limit': '100',
      'RateLimit-Remaining': '99',
      'RateLimit-Reset': '900',
    })
    expect(
      rateLimitHeaders({ allowed: false, limit: 100, remaining: 0, resetAt: now + 1_500, retryAfterMs: 1_500 }, policy, now),
    ).toMatchObject({ 'Retry-After': '2', 'RateLimit-Reset': '2' })
  })

  it('states a token bucket policy over the time an empty bucket takes to fill', () => {
    const policy = resolvePolicy('api', { algorithm: 'token-bucket', limit: 10, refillRate: 3, interval: '1s' })
    expect(rateLimitHeaders({ allowed: true, limit: 10, remaining: 9, resetAt: 0, retryAfterMs: 0 }, policy, 0)['RateLimit-Policy']).toBe(
      '10;w=4',
    )
  })
})

describe('BlockCache', () => {
  it('forgets a denial when it ends, and stays within its bound', () => {
    const cache = new BlockCache(3)
    cache.set('a', { untilMs: 100, resetAt: 100, blocked: false })
    expect(cache.get('a', 99)).toBeDefined()
    expect(cache.get('a', 100)).toBeUndefined()
    for (const id of ['b', 'c', 'd', 'e']) cache.set(id, { untilMs: 1_000, resetAt: 1_000, blocked: false })
    expect(cache.size).toBe(3)
    expect(cache.get('b', 0)).toBeUndefined()
    expect(cache.get('e', 0)).toBeDefined()
  })
})
