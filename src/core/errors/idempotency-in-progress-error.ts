import { CachekitError, type CachekitErrorOptions } from './cachekit-error.js'

/** Options of {@link IdempotencyInProgressError}. */
export interface IdempotencyInProgressErrorOptions extends CachekitErrorOptions {
  /** How long the running caller's lease still ran at the last look, in ms, when known. */
  retryAfterMs?: number
}

/**
 * Another caller is running the operation of this idempotency key and did not finish
 * within `wait`. Nothing ran here. Retry later (HTTP APIs answer 409 with `Retry-After`):
 * the retry gets the stored outcome, or runs the operation if the other caller died.
 */
export class IdempotencyInProgressError extends CachekitError {
  override readonly code = 'IDEMPOTENCY_IN_PROGRESS' as const
  override readonly name = 'IdempotencyInProgressError' as const
  /** The idempotency key. */
  readonly key: string
  /** How long this call waited for the other caller, in ms. */
  readonly waitedMs: number
  /** How long the other caller's lease still ran at the last look, in ms, when known. */
  readonly retryAfterMs: number | undefined

  constructor(key: string, waitedMs: number, options: IdempotencyInProgressErrorOptions = {}) {
    super(`idempotency key ${JSON.stringify(key)} is in progress in another call (waited ${waitedMs} ms)`, options)
    this.key = key
    this.waitedMs = waitedMs
    this.retryAfterMs = options.retryAfterMs
  }
}
