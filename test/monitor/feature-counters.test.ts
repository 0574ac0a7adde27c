/**
 * Rate-limit and lock counters: the kit counts what those features answer, per policy
 * and outcome, and exposes them as feature metrics (metrics(), dashboard, Prometheus).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { RateLimitExceededError, ValidationError } from '../../src/core/errors/index.js'
import { createCachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'

const kits: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(kits.splice(0).map((kit) => kit.close()))
})

function samples(
  features: readonly { name: string; samples: readonly { labels: Record<string, string>; value: number }[] }[],
  name: string,
): Record<string, number> {
  const metric = features.find((feature) => feature.name === name)
  return Object.fromEntries((metric?.samples ?? []).map((sample) => [Object.values(sample.labels).join('/') || '-', sample.value]))
}

describe.each(targets('memory', 'redis'))('feature counters on $name', ({ createDriver }) => {
  it('counts rate-limit decisions per policy and outcome, through every entry point', async () => {
    const kit = createCachekit({
      driver: createDriver(),
      prefix: uniquePrefix('fc'),
      rateLimits: {
        login: { algorithm: 'fixed-window', limit: 2, window: '1m' },
        api: { algorithm: 'fixed-window', limit: 100, window: '1m' },
      },
    })
    kits.push(kit)
    for (let i = 0; i < 3; i++) await kit.rateLimits.limit('login', 'ada@example.com')
    await expect(kit.rateLimits.limitOrThrow('login', 'ada@example.com')).rejects.toBeInstanceOf(RateLimitExceededError)
    await kit.rateLimits.limiter('api').limit('key-1')
    await kit.rateLimits.limit('api', 'key-1')
    await kit.rateLimits.peek('api', 'key-1')
    expect(samples((await kit.monitor.metrics()).features, 'cachekit_ratelimit_requests_total')).toEqual({
      'login/allowed': 2,
      'login/denied': 2,
      'api/allowed': 2,
    })
    expect(kit.rateLimits.policies).toEqual(['login', 'api'])
  })

  it('makes no label of policy names it refused (the names come from callers: unbounded)', async () => {
    const kit = createCachekit({
      driver: createDriver(),
      prefix: uniquePrefix('fc'),
      rateLimits: { api: { algorithm: 'fixed-window', limit: 100, window: '1m' } },
    })
    kits.push(kit)
    const limit = kit.rateLimits.limit as (policy: string, identifier: string) => Promise<unknown>
    for (let i = 0; i < 50; i++) await expect(limit(`route-${i}`, 'ada')).rejects.toBeInstanceOf(ValidationError)
    await kit.rateLimits.limit('api', 'ada')
    expect(samples((await kit.monitor.metrics()).features, 'cachekit_ratelimit_requests_total')).toEqual({ 'api/allowed': 1 })
  })

  it('counts lock acquisitions, failures to acquire, waiting time and losses', async () => {
    const kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('fc') })
    kits.push(kit)
    const held = await kit.locks.acquire('report:1', { ttl: '10s' })
    await expect(kit.locks.acquire('report:1', { ttl: '10s', wait: 0 })).rejects.toMatchObject({ code: 'LOCK_NOT_ACQUIRED' })
    expect(await kit.locks.withLock('report:2', async () => 'done', { ttl: '10s' })).toBe('done')
    await kit.locks.forceRelease('report:1')
    expect(await held.isHeld()).toBe(false)
    const features = (await kit.monitor.metrics()).features
    expect(samples(features, 'cachekit_lock_acquisitions_total')).toEqual({ acquired: 2, 'not-acquired': 1, error: 0 })
    expect(samples(features, 'cachekit_lock_lost_total')).toEqual({ '-': 1 })
    expect(samples(features, 'cachekit_lock_wait_seconds_total')['-']).toBeGreaterThanOrEqual(0)
  })
})
