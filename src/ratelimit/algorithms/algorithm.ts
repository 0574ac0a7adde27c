import type { Script } from '../../core/script.js'
import type { RateLimitReply } from '../../scripts/rate-limit-shared.js'
import type { RateLimitAlgorithmName } from '../policy.js'

/** One check of an algorithm: how much it costs, whether it only looks, and (tests only) the clock. */
export interface AlgorithmCall {
  cost: number
  peek: boolean
  /** Omitted in production: the script reads the server's clock. */
  nowMs?: number
}

/**
 * A rate-limit algorithm as a strategy: the script that decides, the keys of one
 * identifier (all under the identifier's hash tag) and the script's arguments. Every check
 * is one `eval` of `script`, so one round trip and atomic on every driver.
 */
export interface RateLimitAlgorithm {
  readonly name: RateLimitAlgorithmName
  readonly script: Script<RateLimitReply>
  /** The keys of one identifier, from its base key `...__rl:{policy:id}`; `reset` deletes them all. */
  keys(base: string): string[]
  /** The script's ARGV for one call. */
  args(call: AlgorithmCall): string[]
}
