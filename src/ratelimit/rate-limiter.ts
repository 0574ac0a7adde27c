/**
 * One policy's limiter: one script call per check, a local block cache in front, and the
 * failure policy behind (insurance limiter, or `onError`).
 */
import { CircuitOpenError, DriverClosedError, DriverError, RateLimitExceededError, ValidationError } from '../core/errors/index.js'
import type { Driver } from '../drivers/driver.js'
import type { RateLimitReply } from '../scripts/rate-limit-shared.js'
import { algorithmFor, type RateLimitAlgorithm } from './algorithms/index.js'
import { BlockCache } from './block-cache.js'
import { escapeIdentifier, rateLimitBaseKey, type RateLimitIdentifier } from './keys.js'
import { RATE_LIMIT_DEFAULTS, type ResolvedRateLimitPolicy } from './policy.js'
import type { RateLimitCallOptions, RateLimitResult } from './result.js'

/** One policy's limiter, from `kit.rateLimits.limiter(policy)`. */
export interface RateLimiter {
  /** The policy, resolved: algorithm, limit, `windowMs`, defaults applied. */
  readonly policy: ResolvedRateLimitPolicy
  /**
   * Checks and counts one request of `identifier`. A denial is a value (`allowed: false`).
   * One round trip (none when the block cache already knows the identifier is denied).
   * @example const { allowed, retryAfterMs } = await kit.rateLimits.limiter('login').limit(email)
   */
  limit(identifier: RateLimitIdentifier, options?: RateLimitCallOptions): Promise<RateLimitResult>
  /**
   * As {@link RateLimiter.limit}, but a denial rejects with `RateLimitExceededError`.
   * @example await kit.rateLimits.limiter('upload').limitOrThrow(userId, { cost: 5 })
   */
  limitOrThrow(identifier: RateLimitIdentifier, options?: RateLimitCallOptions): Promise<RateLimitResult>
  /**
   * Answers as `limit` would, without counting the request or starting a penalty block.
   * @example const { remaining } = await kit.rateLimits.limiter('api').peek(userId)
   */
  peek(identifier: RateLimitIdentifier, options?: RateLimitCallOptions): Promise<RateLimitResult>
  /**
   * Forgets `identifier`: its counts, its penalty block, and this process's cached denial.
   * Rejects with the driver's error if the driver fails (nothing is reset then).
   * @example await kit.rateLimits.limiter('login').reset(email) // after a successful login
   */
  reset(identifier: RateLimitIdentifier): Promise<void>
}

/** What a {@link PolicyLimiter} needs from the kit. */
export interface PolicyLimiterDependencies {
  driver: Driver
  /** The kit's namespace prefix (`'app:prod:'`). */
  prefix: string
  policy: ResolvedRateLimitPolicy
  /** The in-memory driver of the insurance limiter, when the policy has one. */
  insurance: Driver | undefined
  /** Reports a check answered without the driver. */
  onDegraded: (operation: 'rate-limit' | 'rate-limit-peek', error: unknown) => void
}

/** The {@link RateLimiter} of one policy. */
export class PolicyLimiter implements RateLimiter {
  readonly policy: ResolvedRateLimitPolicy
  private readonly driver: Driver
  private readonly prefix: string
  private readonly algorithm: RateLimitAlgorithm
  private readonly insurance: { driver: Driver; algorithm: RateLimitAlgorithm } | undefined
  private readonly blockCache: BlockCache | undefined
  private readonly onDegraded: PolicyLimiterDependencies['onDegraded']

  constructor(dependencies: PolicyLimiterDependencies) {
    const { policy } = dependencies
    this.policy = policy
    this.driver = dependencies.driver
    this.prefix = dependencies.prefix
    this.algorithm = algorithmFor(policy)
    this.insurance =
      dependencies.insurance && policy.insuranceLimit !== undefined
        ? { driver: dependencies.insurance, algorithm: algorithmFor(policy, policy.insuranceLimit) }
        : undefined
    this.blockCache = policy.blockCache ? new BlockCache(RATE_LIMIT_DEFAULTS.blockCacheMaxEntries) : undefined
    this.onDegraded = dependencies.onDegraded
  }

  async limit(identifier: RateLimitIdentifier, options?: RateLimitCallOptions): Promise<RateLimitResult> {
    const id = escapeIdentifier(identifier)
    const cost = this.checkCost(options)
    const cached = this.blockCache?.get(id, Date.now())
    if (cached) return this.cachedDenial(cached)
    const result = await this.check(id, cost, false)
    // Remember denials that every cost would get: penalty blocks, and cost-1 denials
    // (a bigger request being refused says nothing about a smaller one).
    if (!result.allowed && !result.degraded && (result.blocked || cost === 1)) {
      this.blockCache?.set(id, { untilMs: Date.now() + result.retryAfterMs, resetAt: result.resetAt, blocked: result.blocked === true })
    }
    return result
  }

  async limitOrThrow(identifier: RateLimitIdentifier, options?: RateLimitCallOptions): Promise<RateLimitResult> {
    const result = await this.limit(identifier, options)
    if (!result.allowed) throw new RateLimitExceededError(this.policy.name, result)
    return result
  }

  async peek(identifier: RateLimitIdentifier, options?: RateLimitCallOptions): Promise<RateLimitResult> {
    return this.check(escapeIdentifier(identifier), this.checkCost(options), true)
  }

  async reset(identifier: RateLimitIdentifier): Promise<void> {
    const id = escapeIdentifier(identifier)
    const base = rateLimitBaseKey(this.prefix, this.policy.name, id)
    this.blockCache?.delete(id)
    if (this.insurance) await this.insurance.driver.del(this.insurance.algorithm.keys(base))
    await this.driver.del(this.algorithm.keys(base))
  }

  private async check(id: string, cost: number, peek: boolean): Promise<RateLimitResult> {
    const base = rateLimitBaseKey(this.prefix, this.policy.name, id)
    let reply: RateLimitReply
    try {
      reply = await this.driver.eval(this.algorithm.script, this.algorithm.keys(base), this.algorithm.args({ cost, peek }))
    } catch (error) {
      // A closed kit is a lifecycle bug, not an outage: it rejects rather than degrades.
      if (!(error instanceof DriverError) || error instanceof DriverClosedError) throw error
      this.onDegraded(peek ? 'rate-limit-peek' : 'rate-limit', error)
      return this.degraded(base, cost, peek, error)
    }
    return toResult(reply, this.policy.limit, Date.now())
  }

  /** The answer without the driver: the insurance limiter's, or the policy's `onError`. */
  private async degraded(base: string, cost: number, peek: boolean, error: DriverError): Promise<RateLimitResult> {
    const nowMs = Date.now()
    if (this.insurance) {
      const { driver, algorithm } = this.insurance
      const reply = await driver.eval(
        algorithm.script,
        algorithm.keys(base),
        algorithm.args({ cost: Math.min(cost, this.policy.insuranceLimit as number), peek }),
      )
      return { ...toResult(reply, this.policy.insuranceLimit as number, nowMs), degraded: true }
    }
    const { limit } = this.policy
    if (this.policy.onError === 'allow')
      return { allowed: true, limit, remaining: peek ? limit : limit - cost, resetAt: nowMs, retryAfterMs: 0, degraded: true }
    const retryAfterMs =
      error instanceof CircuitOpenError && error.retryAt > nowMs ? error.retryAt - nowMs : RATE_LIMIT_DEFAULTS.degradedRetryAfterMs
    return { allowed: false, limit, remaining: 0, resetAt: nowMs + retryAfterMs, retryAfterMs, degraded: true }
  }

  private cachedDenial(denial: { untilMs: number; resetAt: number; blocked: boolean }): RateLimitResult {
    const nowMs = Date.now()
    const result = {
      allowed: false,
      limit: this.policy.limit,
      remaining: 0,
      resetAt: Math.max(denial.resetAt, nowMs),
      retryAfterMs: denial.untilMs - nowMs,
    }
    return denial.blocked ? { ...result, blocked: true } : result
  }

  private checkCost(options: RateLimitCallOptions | undefined): number {
    if (options !== undefined && (typeof options !== 'object' || options === null))
      throw new ValidationError(`rate limit options must be an object, got ${String(options)}`)
    const cost = options?.cost ?? 1
    if (typeof cost !== 'number' || !Number.isSafeInteger(cost) || cost <= 0)
      throw new ValidationError(`rate limit cost must be a positive integer, got ${String(cost)}`)
    if (cost > this.policy.limit) {
      throw new ValidationError(
        `rate limit cost ${cost} exceeds the limit of policy "${this.policy.name}" (${this.policy.limit}); such a request could never be allowed`,
      )
    }
    return cost
  }
}

function toResult(reply: RateLimitReply, limit: number, nowMs: number): RateLimitResult {
  const result = {
    allowed: reply.allowed,
    limit,
    remaining: reply.remaining,
    resetAt: nowMs + reply.resetInMs,
    retryAfterMs: reply.retryAfterMs,
  }
  return reply.blocked ? { ...result, blocked: true } : result
}
