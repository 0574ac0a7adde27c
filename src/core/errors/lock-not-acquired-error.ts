import { CachekitError, type CachekitErrorOptions } from './cachekit-error.js'

/** Options of {@link LockNotAcquiredError}. */
export interface LockNotAcquiredErrorOptions extends CachekitErrorOptions {
  /**
   * How long the current holder's lease still runs, in ms, as Redis saw it on the last
   * attempt (`undefined` when unknown, e.g. a lease without expiry).
   */
  retryAfterMs?: number
}

/**
 * A lock (or a semaphore permit) is held by another owner and did not come free within
 * `wait`. Redis answered: this is contention, not an outage (that is a `DriverError`).
 */
export class LockNotAcquiredError extends CachekitError {
  override readonly code = 'LOCK_NOT_ACQUIRED' as const
  override readonly name = 'LockNotAcquiredError' as const
  /** The resource that was asked for. */
  readonly resource: string
  /** How long acquiring waited before giving up, in ms. */
  readonly waitedMs: number
  /** How long the holder's lease still ran at the last attempt, in ms, when known. */
  readonly retryAfterMs: number | undefined

  constructor(resource: string, waitedMs: number, options: LockNotAcquiredErrorOptions = {}) {
    super(`lock ${JSON.stringify(resource)} is held by another owner (waited ${waitedMs} ms)`, options)
    this.resource = resource
    this.waitedMs = waitedMs
    this.retryAfterMs = options.retryAfterMs
  }
}
