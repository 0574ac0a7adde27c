import { CachekitError, type CachekitErrorOptions } from './cachekit-error.js'

/**
 * A lock this process held is gone: its TTL ran out before it was extended (a paused
 * process, a slow job, an unreachable Redis), or an admin force-released it and someone
 * else may hold it now. Work done since then was not protected by the lock.
 */
export class LockLostError extends CachekitError {
  override readonly code = 'LOCK_LOST' as const
  override readonly name = 'LockLostError' as const
  /** The resource whose lock was lost. */
  readonly resource: string
  /** The fencing token the lost lock carried. */
  readonly fencingToken: number

  constructor(resource: string, fencingToken: number, detail: string, options?: CachekitErrorOptions) {
    super(`lock ${JSON.stringify(resource)} (fencing token ${fencingToken}) was lost: ${detail}`, options)
    this.resource = resource
    this.fencingToken = fencingToken
  }
}
