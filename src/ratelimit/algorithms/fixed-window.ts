import { rateLimitFixedWindow } from '../../scripts/rate-limit-fixed-window.js'
import { rateLimitArgv } from '../../scripts/rate-limit-shared.js'
import type { RateLimitAlgorithm } from './algorithm.js'

/** Fixed window: `limit` units per `windowMs`, counted from an identifier's first request. */
export function fixedWindow(options: { limit: number; windowMs: number; blockForMs: number }): RateLimitAlgorithm {
  const { limit, windowMs, blockForMs } = options
  return {
    name: 'fixed-window',
    script: rateLimitFixedWindow,
    keys: (base) => [`${base}:fw`, `${base}:block`],
    args: ({ cost, peek, nowMs }) => rateLimitArgv({ nowMs, cost, peek, limit, windowMs, blockForMs }),
  }
}
