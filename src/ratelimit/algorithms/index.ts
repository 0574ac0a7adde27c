import type { ResolvedRateLimitPolicy } from '../policy.js'
import type { RateLimitAlgorithm } from './algorithm.js'
import { fixedWindow } from './fixed-window.js'
import { slidingLog } from './sliding-log.js'
import { slidingWindow } from './sliding-window.js'
import { tokenBucket } from './token-bucket.js'

export type { AlgorithmCall, RateLimitAlgorithm } from './algorithm.js'
export { fixedWindow, slidingLog, slidingWindow, tokenBucket }

/** The strategy of a resolved policy; `limit` overrides the policy's (the insurance limiter's own limit). */
export function algorithmFor(policy: ResolvedRateLimitPolicy, limit = policy.limit): RateLimitAlgorithm {
  const { windowMs, blockForMs } = policy
  switch (policy.algorithm) {
    case 'fixed-window':
      return fixedWindow({ limit, windowMs, blockForMs })
    case 'sliding-window':
      return slidingWindow({ limit, windowMs, blockForMs })
    case 'sliding-log':
      return slidingLog({ limit, windowMs, blockForMs })
    case 'token-bucket':
      // The insurance limit may be below the refill rate; the bucket still never exceeds its capacity.
      return tokenBucket({ limit, refillRate: Math.min(policy.refillRate as number, limit), intervalMs: windowMs, blockForMs })
  }
}
