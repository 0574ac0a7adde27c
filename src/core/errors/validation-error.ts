import { CachekitError, type CachekitErrorOptions } from './cachekit-error.js'

/** Bad input: an empty key, a negative TTL, an unserializable value, a malformed duration. */
export class ValidationError extends CachekitError {
  override readonly code = 'VALIDATION_ERROR' as const
  override readonly name = 'ValidationError' as const

  constructor(message: string, options?: CachekitErrorOptions) {
    super(message, options)
  }
}
