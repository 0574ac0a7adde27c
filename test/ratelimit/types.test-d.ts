import { describe, expectTypeOf, it } from 'vitest'
import { createCachekit, defineKeys, type RateLimiter, type RateLimitResult } from '../../src/index.js'

const kit = createCachekit({
  rateLimits: {
    api: { algorithm: 'fixed-window', limit: 1000, window: '1h' },
    login: { algorithm: 'sliding-window', limit: 5, window: '15m', onError: 'deny' },
    upload: { algorithm: 'token-bucket', limit: 50, refillRate: 1, interval: '72s' },
  },
})

describe('policy names are typed from the rateLimits table', () => {
  it('accepts the names of the table and answers a RateLimitResult', () => {
    expectTypeOf(kit.rateLimits.limit('login', 'ada@example.com')).resolves.toEqualTypeOf<RateLimitResult>()
    expectTypeOf(kit.rateLimits.limitOrThrow('api', 42, { cost: 5 })).resolves.toEqualTypeOf<RateLimitResult>()
    expectTypeOf(kit.rateLimits.limiter('upload')).toEqualTypeOf<RateLimiter>()
    expectTypeOf(kit.rateLimits.policies).toEqualTypeOf<readonly ('api' | 'login' | 'upload')[]>()
  })

  it('refuses an unknown policy, a bad identifier and a misspelt option', () => {
    // @ts-expect-error 'logon' is not a policy
    void kit.rateLimits.limit('logon', 'ada@example.com')
    // @ts-expect-error identifiers are strings or numbers
    void kit.rateLimits.limit('login', { email: 'ada@example.com' })
    // @ts-expect-error the option is cost
    void kit.rateLimits.limit('api', 'u', { weight: 2 })
    // @ts-expect-error 'logon' is not a policy
    void kit.rateLimits.reset('logon', 'u')
  })

  it('refuses a policy with a missing or wrongly typed option', () => {
    // @ts-expect-error a token bucket needs refillRate and interval
    createCachekit({ rateLimits: { p: { algorithm: 'token-bucket', limit: 5, window: '1m' } } })
    // @ts-expect-error onError is 'allow' or 'deny'
    createCachekit({ rateLimits: { p: { algorithm: 'fixed-window', limit: 5, window: '1m', onError: 'open' } } })
  })

  it('leaves a kit without rateLimits with no policy to name', () => {
    const plain = createCachekit({ keys: defineKeys({ user: { template: 'user:{id}', ttl: '1h' } }) })
    // @ts-expect-error no policies were declared
    void plain.rateLimits.limit('api', 'u')
    expectTypeOf(plain.keys.user).toBeCallableWith({ id: 1 })
  })
})

describe('one way to do each thing', () => {
  it('offers rate limits only on kit.rateLimits, health and metrics only on kit.monitor', () => {
    // @ts-expect-error kit.rateLimits.limit is the one way
    void kit.rateLimit('api', 'u')
    // @ts-expect-error kit.rateLimits.limitOrThrow is the one way
    void kit.rateLimitOrThrow('api', 'u')
    // @ts-expect-error kit.rateLimits.limiter is the one way
    void kit.rateLimiter('api')
    // @ts-expect-error kit.monitor.health is the one way
    void kit.health()
    // @ts-expect-error kit.monitor.metrics is the one way
    void kit.metrics()
    // @ts-expect-error a family's own flush is the one way
    void kit.counters.flush('views', async () => undefined)
    expectTypeOf(kit.monitor.health).toBeFunction()
  })
})
