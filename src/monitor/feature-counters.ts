/**
 * Counters for the rate-limit and lock features, kept at the kit's edge: the features
 * stay unaware of metrics, and what they answer is counted as it passes. Registered as
 * feature metrics, so `metrics()`, the dashboard and Prometheus show them.
 */
import { CachekitError } from '../core/errors/index.js'
import type { MetricSample } from './registry.js'
import type { Monitor } from './monitor.js'

/** The parts of `kit.rateLimits` that are counted. */
interface RateLimitsLike {
  limit(policy: never, identifier: never, options?: never): Promise<{ allowed: boolean }>
  limitOrThrow(policy: never, identifier: never, options?: never): Promise<unknown>
  limiter(policy: never): {
    limit(identifier: never, options?: never): Promise<{ allowed: boolean }>
    limitOrThrow(identifier: never, options?: never): Promise<unknown>
  }
}

/** The parts of `kit.locks` that are counted. */
interface LocksLike {
  acquire(resource: never, options?: never): Promise<{ readonly signal: AbortSignal }>
  withLock(resource: never, fn: never, options?: never): Promise<unknown>
}

type Outcome = 'allowed' | 'denied' | 'error'

/**
 * `rateLimits`, counting every decision per policy as `cachekit_ratelimit_requests_total{policy, outcome}`
 * (`allowed`, `denied`, `error`).
 */
export function countRateLimits<R extends RateLimitsLike>(rateLimits: R, monitor: Monitor): R {
  const counts = new Map<string, number>()
  const count = (policy: string, outcome: Outcome) => {
    const key = `${policy}\u0000${outcome}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const observe = <T>(policy: string, pending: Promise<T>): Promise<T> =>
    pending.then(
      (result) => {
        count(policy, (result as { allowed?: boolean }).allowed === false ? 'denied' : 'allowed')
        return result
      },
      (error: unknown) => {
        // A refused call (an unknown policy, a bad identifier) decided nothing, and counting
        // it would make a label of whatever policy name the caller passed: unbounded.
        if (!CachekitError.is(error, 'VALIDATION_ERROR')) count(policy, CachekitError.is(error, 'RATE_LIMIT_EXCEEDED') ? 'denied' : 'error')
        throw error
      },
    )
  monitor.register({
    name: 'cachekit_ratelimit_requests_total',
    help: 'Rate-limit decisions per policy: allowed, denied, or error (the driver failed; the policy decided).',
    type: 'counter',
    labelNames: ['policy', 'outcome'],
    collect: () =>
      [...counts].map(([key, value]): MetricSample => {
        const [policy, outcome] = key.split('\u0000') as [string, string]
        return { labels: { policy, outcome }, value }
      }),
  })
  const original = rateLimits as unknown as Record<string, (...args: unknown[]) => unknown>
  const counted = Object.create(rateLimits) as Record<string, unknown>
  counted.limit = (policy: string, ...rest: unknown[]) =>
    observe(policy, original.limit!.call(rateLimits, policy, ...rest) as Promise<unknown>)
  counted.limitOrThrow = (policy: string, ...rest: unknown[]) =>
    observe(policy, original.limitOrThrow!.call(rateLimits, policy, ...rest) as Promise<unknown>)
  counted.limiter = (policy: string) => {
    const limiter = original.limiter!.call(rateLimits, policy) as Record<string, (...args: unknown[]) => unknown>
    const countedLimiter = Object.create(limiter) as Record<string, unknown>
    countedLimiter.limit = (...args: unknown[]) => observe(policy, limiter.limit!.apply(limiter, args) as Promise<unknown>)
    countedLimiter.limitOrThrow = (...args: unknown[]) => observe(policy, limiter.limitOrThrow!.apply(limiter, args) as Promise<unknown>)
    return countedLimiter
  }
  return counted as unknown as R
}

/**
 * `locks`, counting acquisitions (`cachekit_lock_acquisitions_total{outcome}`: acquired,
 * not-acquired, error), time spent waiting (`cachekit_lock_wait_seconds_total`) and locks
 * this process learned it lost (`cachekit_lock_lost_total`).
 */
export function countLocks<L extends LocksLike>(locks: L, monitor: Monitor): L {
  const outcomes = { acquired: 0, 'not-acquired': 0, error: 0 }
  let waitMs = 0
  let lost = 0
  const watch = (lock: { readonly signal: AbortSignal }) => {
    lock.signal.addEventListener(
      'abort',
      () => {
        if (CachekitError.is(lock.signal.reason, 'LOCK_LOST')) lost++
      },
      { once: true },
    )
  }
  const timed = <T>(pending: Promise<T>, started: number, acquired: (value: T) => boolean): Promise<T> =>
    pending.then(
      (value) => {
        if (acquired(value)) {
          outcomes.acquired++
          waitMs += Date.now() - started
        }
        return value
      },
      (error: unknown) => {
        outcomes[CachekitError.is(error, 'LOCK_NOT_ACQUIRED') ? 'not-acquired' : 'error']++
        waitMs += Date.now() - started
        throw error
      },
    )
  monitor.register({
    name: 'cachekit_lock_acquisitions_total',
    help: 'Lock acquisitions by outcome.',
    type: 'counter',
    labelNames: ['outcome'],
    collect: () => Object.entries(outcomes).map(([outcome, value]) => ({ labels: { outcome }, value })),
  })
  monitor.register({
    name: 'cachekit_lock_wait_seconds_total',
    help: 'Time spent acquiring locks.',
    type: 'counter',
    labelNames: [],
    collect: () => [{ labels: {}, value: waitMs / 1000 }],
  })
  monitor.register({
    name: 'cachekit_lock_lost_total',
    help: 'Locks this process learned it had lost while holding them.',
    type: 'counter',
    labelNames: [],
    collect: () => [{ labels: {}, value: lost }],
  })
  const original = locks as unknown as Record<string, (...args: unknown[]) => unknown>
  const counted = Object.create(locks) as Record<string, unknown>
  counted.acquire = (...args: unknown[]) => {
    const started = Date.now()
    return timed(original.acquire!.apply(locks, args) as Promise<{ readonly signal: AbortSignal }>, started, (lock) => {
      watch(lock)
      return true
    })
  }
  counted.withLock = (resource: unknown, fn: unknown, ...rest: unknown[]) => {
    const started = Date.now()
    let acquired = false
    const wrapped =
      typeof fn === 'function'
        ? (lock: { readonly signal: AbortSignal }) => {
            acquired = true
            outcomes.acquired++
            waitMs += Date.now() - started
            watch(lock)
            return (fn as (lock: unknown) => unknown)(lock)
          }
        : fn
    return (original.withLock!.call(locks, resource, wrapped, ...rest) as Promise<unknown>).catch((error: unknown) => {
      if (!acquired) {
        outcomes[CachekitError.is(error, 'LOCK_NOT_ACQUIRED') ? 'not-acquired' : 'error']++
        waitMs += Date.now() - started
      }
      throw error
    })
  }
  return counted as unknown as L
}
