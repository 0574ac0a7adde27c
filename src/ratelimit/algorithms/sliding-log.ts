import { rateLimitArgv } from '../../scripts/rate-limit-shared.js'
import { rateLimitSlidingLog } from '../../scripts/rate-limit-sliding-log.js'
import type { RateLimitAlgorithm } from './algorithm.js'

/** Sliding log: every admitted unit is logged with its time; exact over any window. */
export function slidingLog(options: { limit: number; windowMs: number; blockForMs: number }): RateLimitAlgorithm {
  const { limit, windowMs, blockForMs } = options
  return {
    name: 'sliding-log',
    script: rateLimitSlidingLog,
    keys: (base) => [`${base}:log`, `${base}:block`, `${base}:seq`],
    args: ({ cost, peek, nowMs }) => rateLimitArgv({ nowMs, cost, peek, limit, windowMs, blockForMs }),
  }
}
