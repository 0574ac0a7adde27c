import { CachekitError, type CachekitErrorOptions } from './cachekit-error.js'

/**
 * An idempotency key was reused with a different request payload (its fingerprint, a
 * SHA-256 of the payload, differs from the one stored with the key). Nothing ran. This is
 * a client bug: one key must name one request. HTTP APIs answer 422.
 */
export class IdempotencyConflictError extends CachekitError {
  override readonly code = 'IDEMPOTENCY_CONFLICT' as const
  override readonly name = 'IdempotencyConflictError' as const
  /** The idempotency key. */
  readonly key: string

  constructor(key: string, options?: CachekitErrorOptions) {
    super(`idempotency key ${JSON.stringify(key)} was already used for a different request payload`, options)
    this.key = key
  }
}
