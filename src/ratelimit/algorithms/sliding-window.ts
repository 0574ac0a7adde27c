import { rateLimitArgv } from '../../scripts/rate-limit-shared.js'
import { rateLimitSlidingWindow } from '../../scripts/rate-limit-sliding-window.js'
import type { RateLimitAlgorithm } from './algorithm.js'

/** Sliding window: the previous window's count, weighted by how much of it still overlaps, plus the current one. */
export function slidingWindow(options: { limit: number; windowMs: number; blockForMs: number }): RateLimitAlgorithm {
  const { limit, windowMs, blockForMs } = options
  return {
    name: 'sliding-window',
    script: rateLimitSlidingWindow,
    keys: (base) => [`${base}:sw`, `${base}:block`],
    args: ({ cost, peek, nowMs }) => rateLimitArgv({ nowMs, cost, peek, limit, windowMs, blockForMs }),
  }
}
