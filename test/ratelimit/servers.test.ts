/**
 * Rate limits on real servers: one Redis, the 3-master Cluster and the Upstash stand-in.
 * Here the scripts read the server's clock, which tests cannot fake, so time-dependent
 * checks use short real windows and wait on a condition; the window arithmetic itself is
 * covered with fake timers in algorithms.test.ts and held to the Lua by parity.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { hashSlot } from '../../src/core/slot.js'
import type { Driver } from '../../src/drivers/driver.js'
import { unescapeParam } from '../../src/keys/escape.js'
import type { RateLimitPolicies } from '../../src/ratelimit/index.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

const NASTY_IDENTIFIERS = [
  'alice@example.com',
  '192.168.0.1',
  '2001:db8::1',
  '::1',
  'a:b',
  'a%3Ab',
  '%',
  '%25',
  '{',
  '}',
  '{tag}',
  '}{',
  'a}b{c',
  '*',
  '?',
  '[a-z]',
  '\\',
  ' ',
  'tab\there',
  'line\nbreak',
  '\u0000',
  'josé',
  '😀',
  'x'.repeat(1024),
]

async function keysUnder(driver: Driver, prefix: string): Promise<string[]> {
  const found: string[] = []
  for await (const batch of driver.scan(`${prefix}:__rl:*`)) found.push(...batch)
  return [...new Set(found)]
}

describe.each(targets('redis', 'cluster', 'upstash'))('$name', (target) => {
  const kits = useKit(target, { label: 'rl' })
  const make = <const Limits extends RateLimitPolicies>(rateLimits: Limits, prefix?: string) => kits({ rateLimits, prefix })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('counts on the server and opens the next window on its clock', async () => {
    const kit = make({ burst: { algorithm: 'fixed-window', limit: 2, window: 400 } })
    expect((await kit.rateLimits.limit('burst', 'u')).allowed).toBe(true)
    expect((await kit.rateLimits.limit('burst', 'u')).allowed).toBe(true)
    const denied = await kit.rateLimits.limit('burst', 'u')
    expect(denied.allowed).toBe(false)
    expect(denied.retryAfterMs).toBeGreaterThan(0)
    expect(denied.retryAfterMs).toBeLessThanOrEqual(400)
    const deniedAt = Date.now()
    await vi.waitFor(async () => expect((await kit.rateLimits.limiter('burst').peek('u')).allowed).toBe(true), {
      timeout: 5_000,
      interval: 25,
    })
    // Not before the server said (a few ms of slack: the answer's time is anchored on arrival).
    expect(Date.now()).toBeGreaterThanOrEqual(deniedAt + denied.retryAfterMs - 20)
    expect(await kit.rateLimits.limit('burst', 'u')).toMatchObject({ allowed: true, remaining: 1 })
  })

  it("anchors resetAt to this process's clock", async () => {
    const kit = make({ api: { algorithm: 'fixed-window', limit: 10, window: '1h' } })
    const before = Date.now()
    const { resetAt } = await kit.rateLimits.limit('api', 'u')
    const after = Date.now()
    expect(resetAt).toBeGreaterThanOrEqual(before + 3_600_000 - 20)
    expect(resetAt).toBeLessThanOrEqual(after + 3_600_000 + 20)
  })

  it.each([
    ['fixed-window', { algorithm: 'fixed-window', limit: 1, window: '1m' }],
    ['sliding-log', { algorithm: 'sliding-log', limit: 1, window: '1m' }],
  ] as const)('%s: hostile identifiers never collide, and each keeps its keys under one hash tag', async (_, policy) => {
    const prefix = uniquePrefix('rl-nasty')
    const kit = make({ p: policy }, prefix)
    for (const identifier of NASTY_IDENTIFIERS)
      expect((await kit.rateLimits.limit('p', identifier)).allowed, JSON.stringify(identifier)).toBe(true)
    for (const identifier of NASTY_IDENTIFIERS)
      expect((await kit.rateLimits.limit('p', identifier)).allowed, JSON.stringify(identifier)).toBe(false)
    const keys = await keysUnder(kit.driver, prefix)
    const tags = new Map<string, string[]>()
    for (const key of keys) {
      const match = /^[^{}]*\{p:([^{}]*)\}:(fw|log|seq)$/.exec(key)
      expect(match, key).not.toBeNull()
      const identifier = unescapeParam((match as RegExpExecArray)[1] as string)
      tags.set(identifier, [...(tags.get(identifier) ?? []), key])
    }
    expect([...tags.keys()].sort()).toEqual([...NASTY_IDENTIFIERS].sort())
    for (const group of tags.values()) expect(new Set(group.map(hashSlot)).size).toBe(1)
  })

  it('treats a number and its string form as the same identifier', async () => {
    const kit = make({ p: { algorithm: 'token-bucket', limit: 2, refillRate: 1, interval: '1h' } })
    await kit.rateLimits.limit('p', 42)
    expect(await kit.rateLimits.limit('p', '42')).toMatchObject({ allowed: true, remaining: 0 })
  })

  it('peeks, blocks and resets on the server', async () => {
    const kit = make({ login: { algorithm: 'sliding-window', limit: 2, window: '15m', blockFor: '1h' } })
    await kit.rateLimits.limit('login', 'ada@example.com')
    expect(await kit.rateLimits.limiter('login').peek('ada@example.com')).toMatchObject({ allowed: true, remaining: 1 })
    await kit.rateLimits.limit('login', 'ada@example.com')
    const blocked = await kit.rateLimits.limit('login', 'ada@example.com')
    expect(blocked).toMatchObject({ allowed: false, blocked: true, remaining: 0 })
    expect(blocked.retryAfterMs).toBeGreaterThan(3_600_000 - 1_000)
    await kit.rateLimits.reset('login', 'ada@example.com')
    expect(await kit.rateLimits.limit('login', 'ada@example.com')).toMatchObject({ allowed: true, remaining: 1 })
  })
})

describe('the server clock decides', () => {
  const make = useKit('redis')

  it('shares one window between hosts whose clocks disagree by hours', async () => {
    const prefix = uniquePrefix('rl-skew')
    const policies = { api: { algorithm: 'fixed-window', limit: 4, window: '1h' } } as const
    const honest = make({ prefix, rateLimits: policies })
    await honest.rateLimits.limit('api', 'u', { cost: 2 })
    // A second host whose clock runs five hours ahead (Date only: its sockets stay real).
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 5 * 3_600_000)
    const skewed = make({ prefix, rateLimits: policies })
    try {
      const answer = await skewed.rateLimits.limit('api', 'u', { cost: 2 })
      expect(answer).toMatchObject({ allowed: true, remaining: 0 })
      // Relative to the skewed host's own clock: about an hour from its now.
      expect(answer.resetAt - Date.now()).toBeGreaterThan(3_600_000 - 60_000)
      expect(answer.resetAt - Date.now()).toBeLessThanOrEqual(3_600_000)
      expect((await skewed.rateLimits.limit('api', 'u')).allowed).toBe(false)
    } finally {
      vi.useRealTimers()
    }
  })
})
