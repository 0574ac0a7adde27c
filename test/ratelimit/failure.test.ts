/**
 * What rate limits do while Redis is away, through a real broken network (a TCP proxy in
 * front of the shared redis-server): each policy answers by its `onError` or its insurance
 * limiter, says `degraded`, never hangs past the command timeout, and costs nothing once
 * the circuit breaker is open.
 */
import { describe, expect, it, vi } from 'vitest'
import { DriverError, RateLimitExceededError } from '../../src/core/errors/index.js'
import { useOutage } from '../support/outage.js'
import { useKit } from '../support/use-kit.js'

const TIMEOUT_MS = 200
const COOLDOWN_MS = 60_000

const policies = {
  api: { algorithm: 'fixed-window', limit: 100, window: '1h' },
  login: { algorithm: 'sliding-window', limit: 5, window: '15m', onError: 'deny' },
  upload: { algorithm: 'token-bucket', limit: 3, refillRate: 1, interval: '1h', insurance: { limit: 2 } },
} as const

const outage = useOutage({ driver: { commandTimeoutMs: TIMEOUT_MS }, failOnUnhandled: true })

describe('rate limits while Redis is away', () => {
  const make = useKit(outage.target, { label: 'rl-fail', rateLimits: policies, breaker: { failureThreshold: 3, cooldownMs: COOLDOWN_MS } })

  it("allows with onError 'allow' (the default), says degraded and reports it", async () => {
    const kit = make()
    await kit.rateLimits.limit('api', 'u')
    const degraded = vi.fn()
    kit.events.on('degraded', degraded)
    await outage.cut()
    expect(await kit.rateLimits.limit('api', 'u')).toMatchObject({ allowed: true, limit: 100, retryAfterMs: 0, degraded: true })
    expect(degraded).toHaveBeenCalledWith(expect.objectContaining({ operation: 'rate-limit', family: 'api' }))
    expect(degraded.mock.calls[0]?.[0].error).toBeInstanceOf(DriverError)
  })

  it("denies with onError 'deny', and rateLimitOrThrow throws RateLimitExceededError", async () => {
    const kit = make()
    await outage.cut()
    const denied = await kit.rateLimits.limit('login', 'ada@example.com')
    expect(denied).toMatchObject({ allowed: false, remaining: 0, degraded: true })
    expect(denied.retryAfterMs).toBeGreaterThan(0)
    const error = await kit.rateLimits.limitOrThrow('login', 'ada@example.com').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RateLimitExceededError)
    expect(error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', policy: 'login', limit: 5, remaining: 0, degraded: true, blocked: false })
  })

  it('limits per process with the insurance limiter, and forgets it when Redis is back', async () => {
    const kit = make({ breaker: { failureThreshold: 3, cooldownMs: 200 } })
    expect(await kit.rateLimits.limit('upload', 'u')).toMatchObject({ allowed: true, remaining: 2 })
    await outage.cut()
    const during = [
      await kit.rateLimits.limit('upload', 'u'),
      await kit.rateLimits.limit('upload', 'u'),
      await kit.rateLimits.limit('upload', 'u'),
    ]
    expect(during.map((r) => [r.allowed, r.limit, r.degraded])).toEqual([
      [true, 2, true],
      [true, 2, true],
      [false, 2, true],
    ])
    await outage.restore()
    await vi.waitFor(async () => expect((await kit.rateLimits.limit('upload', 'u')).degraded).toBeUndefined(), {
      timeout: 10_000,
      interval: 100,
    })
    // Redis counted only what it saw: one before the outage, one now.
    expect(await kit.rateLimits.limiter('upload').peek('u')).toMatchObject({ remaining: 1 })
  })

  it('answers within the command timeout while Redis hangs, then at once when the circuit is open', async () => {
    const kit = make()
    await kit.rateLimits.limit('api', 'u')
    await outage.hang()
    for (let i = 0; i < 3; i++) {
      const started = Date.now()
      expect((await kit.rateLimits.limit('api', 'u')).degraded).toBe(true)
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 4 + 500)
    }
    expect(kit.circuit).toBe('open')
    const started = Date.now()
    const answers = await Promise.all(Array.from({ length: 100 }, () => kit.rateLimits.limit('login', 'x')))
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS)
    // With the circuit open, a denial says when the breaker will probe Redis again: the
    // first probe comes after an eighth of the cooldown (7.5 s here).
    expect(answers[0]?.retryAfterMs).toBeGreaterThan(COOLDOWN_MS / 8 - 5_000)
    expect(answers[0]?.retryAfterMs).toBeLessThanOrEqual(COOLDOWN_MS / 8)
  })

  it('peeks degraded too, but reset rejects: it cannot pretend to forget', async () => {
    const kit = make()
    await outage.cut()
    expect(await kit.rateLimits.limiter('api').peek('u')).toMatchObject({ allowed: true, remaining: 100, degraded: true })
    await expect(kit.rateLimits.reset('api', 'u')).rejects.toBeInstanceOf(DriverError)
  })

  it('still refuses bad input with ValidationError rather than degrading', async () => {
    const kit = make()
    await outage.cut()
    await expect(kit.rateLimits.limit('api', '')).rejects.toMatchObject({ code: 'VALIDATION_ERROR' })
    await expect(kit.rateLimits.limit('api', 'u', { cost: 101 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' })
  })
})
