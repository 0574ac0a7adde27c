import { CachekitError, type CachekitErrorOptions } from './cachekit-error.js'

/**
 * A cache builder could not complete: its outputs could not all be written, or a large
 * index's temporary copy was incomplete when it was to be swapped in. Outputs already
 * swapped in stay (each one is complete); the others keep their previous version.
 */
export class BuildError extends CachekitError {
  override readonly code = 'BUILD_FAILED' as const
  override readonly name = 'BuildError' as const
  /** The builder's name in `createCachekit({ builders })`. */
  readonly builder: string

  constructor(builder: string, message: string, options?: CachekitErrorOptions) {
    super(`builder ${JSON.stringify(builder)}: ${message}`, options)
    this.builder = builder
  }
}
