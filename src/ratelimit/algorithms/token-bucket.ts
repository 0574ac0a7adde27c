import { rateLimitArgv } from '../../scripts/rate-limit-shared.js'
import { rateLimitTokenBucket } from '../../scripts/rate-limit-token-bucket.js'
import type { RateLimitAlgorithm } from './algorithm.js'

/** Token bucket: up to `limit` tokens, `refillRate` more every `intervalMs`; each unit of cost takes one. */
export function tokenBucket(options: { limit: number; refillRate: number; intervalMs: number; blockForMs: number }): RateLimitAlgorithm {
  const { limit, refillRate, intervalMs, blockForMs } = options
  return {
    name: 'token-bucket',
    script: rateLimitTokenBucket,
    keys: (base) => [`${base}:tb`, `${base}:block`],
    args: ({ cost, peek, nowMs }) => rateLimitArgv({ nowMs, cost, peek, limit, windowMs: intervalMs, blockForMs, refillRate }),
  }
}
