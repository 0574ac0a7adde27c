// Rate limiting: the feature's public face.
export { rateLimitHeaders, quotaWindowMs } from './headers.js'
export { CLIENT_IP_DEFAULTS, ipKey, type IpKeyOptions } from './client-ip.js'
export { escapeIdentifier, rateLimitBaseKey, type RateLimitIdentifier } from './keys.js'
export {
  RATE_LIMIT_DEFAULTS,
  resolvePolicies,
  resolvePolicy,
  type FixedWindowPolicy,
  type RateLimitAlgorithmName,
  type RateLimitPolicies,
  type RateLimitPolicy,
  type RateLimitPolicyBase,
  type ResolvedRateLimitPolicy,
  type SlidingLogPolicy,
  type SlidingWindowPolicy,
  type TokenBucketPolicy,
} from './policy.js'
export type { RateLimiter } from './rate-limiter.js'
export { createRateLimits, type RateLimitPolicyName, type RateLimits, type RateLimitsOptions } from './rate-limits.js'
export type { RateLimitCallOptions, RateLimitResult } from './result.js'
