import { CachekitError, type CachekitErrorOptions } from './cachekit-error.js'

/**
 * A multi-key operation names keys in different Redis Cluster hash slots.
 * Thrown before anything is sent. Give the keys a shared `{hash tag}`.
 */
export class CrossSlotError extends CachekitError {
  override readonly code = 'CROSS_SLOT' as const
  override readonly name = 'CrossSlotError' as const
  /** The keys of the refused call. */
  readonly keys: readonly string[]

  constructor(operation: string, keys: readonly string[], options?: CachekitErrorOptions) {
    super(
      `${operation}: keys ${keys
        .slice(0, 4)
        .map((k) => JSON.stringify(k))
        .join(', ')}${keys.length > 4 ? ', ...' : ''} hash to different cluster slots; give them a shared {hash tag}`,
      options,
    )
    this.keys = keys
  }
}
