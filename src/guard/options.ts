import { parseDuration, type Duration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'
import { parseBytes } from './bytes.js'

/** Options of the memory guard (`createCachekit({ guard })`). */
export interface GuardOptions {
  /**
   * How often the guard reads `INFO memory`. The timer never keeps a process alive and
   * stops on `kit.close()`.
   * @default '30s'
   */
  interval?: Duration
  /**
   * A memory budget: bytes or a size such as `'20mb'` (1024-based, as redis.conf). Use it
   * where the provider reports no `maxmemory` (a 20 MB free plan); when the server has a
   * smaller `maxmemory`, that one applies.
   * @default none: the server's maxmemory
   * @example '20mb'
   */
  budget?: number | string
  /**
   * Fraction of the limit at which the guard enters `warn` and skips writes of
   * low-priority key families.
   * @default 0.8
   */
  warnAt?: number
  /**
   * Fraction of the limit at which the guard enters `critical`: only high-priority writes
   * go through, and low-priority families are evicted.
   * @default 0.9
   */
  criticalAt?: number
  /**
   * How far usage must fall below a threshold before the guard leaves its state, so it
   * does not flap around the line.
   * @default 0.05, or half of `warnAt` when that is smaller
   */
  hysteresis?: number
  /**
   * Keys deleted per round trip when evicting.
   * @default 100
   */
  batchSize?: number
  /**
   * At most this many keys deleted by one eviction run (the next check runs another).
   * @default 10_000
   */
  maxEvictions?: number
  /**
   * At most this many keys the configuration check samples for a missing TTL.
   * @default 1000
   */
  sampleKeys?: number
}

/** The guard's defaults. */
export const GUARD_DEFAULTS = Object.freeze({
  intervalMs: 30_000,
  warnAt: 0.8,
  criticalAt: 0.9,
  hysteresis: 0.05,
  batchSize: 100,
  maxEvictions: 10_000,
  sampleKeys: 1000,
})

/** Guard options with every default applied and every duration and size parsed. */
export interface ResolvedGuardOptions {
  readonly intervalMs: number
  readonly budgetBytes: number | undefined
  readonly warnAt: number
  readonly criticalAt: number
  readonly hysteresis: number
  readonly batchSize: number
  readonly maxEvictions: number
  readonly sampleKeys: number
}

/** Applies defaults and checks every option. @throws {ValidationError} */
export function resolveGuardOptions(options: GuardOptions = {}): ResolvedGuardOptions {
  if (typeof options !== 'object' || options === null) throw new ValidationError('guard options must be an object')
  const warnAt = options.warnAt ?? GUARD_DEFAULTS.warnAt
  const criticalAt = options.criticalAt ?? GUARD_DEFAULTS.criticalAt
  const hysteresis = options.hysteresis ?? Math.min(GUARD_DEFAULTS.hysteresis, (typeof warnAt === 'number' ? warnAt : 0) / 2)
  for (const [name, value] of [
    ['guard.warnAt', warnAt],
    ['guard.criticalAt', criticalAt],
  ] as const) {
    if (!(typeof value === 'number' && value > 0 && value <= 1))
      throw new ValidationError(`${name} must be a fraction in (0, 1], got ${String(value)}`)
  }
  if (criticalAt < warnAt) throw new ValidationError(`guard.criticalAt (${criticalAt}) must not be below guard.warnAt (${warnAt})`)
  if (!(typeof hysteresis === 'number' && hysteresis >= 0 && hysteresis < warnAt)) {
    throw new ValidationError(`guard.hysteresis must be at least 0 and below warnAt, got ${String(hysteresis)}`)
  }
  const counts = {
    batchSize: options.batchSize ?? GUARD_DEFAULTS.batchSize,
    maxEvictions: options.maxEvictions ?? GUARD_DEFAULTS.maxEvictions,
    sampleKeys: options.sampleKeys ?? GUARD_DEFAULTS.sampleKeys,
  }
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new ValidationError(`guard.${name} must be a positive integer, got ${String(value)}`)
  }
  const intervalMs = parseDuration(options.interval ?? GUARD_DEFAULTS.intervalMs, 'guard.interval')
  if (intervalMs <= 0) throw new ValidationError('guard.interval must be positive')
  return {
    intervalMs,
    budgetBytes: options.budget === undefined ? undefined : parseBytes(options.budget, 'guard.budget'),
    warnAt,
    criticalAt,
    hysteresis,
    ...counts,
  }
}
