import { CachekitError, type CachekitErrorOptions } from './cachekit-error.js'

/** Options of {@link InvalidationError}. */
export interface InvalidationErrorOptions extends CachekitErrorOptions {
  /** What the cascade did before and besides the failures. */
  report?: unknown
  /** Every failure, in the order the parts were declared (`cause` is the first). */
  errors?: readonly unknown[]
}

/**
 * A cascade (`kit.invalidate(name, params)`) could not do all it declares, usually
 * because Redis was unreachable. The parts that succeeded stay done; `report` says what
 * they were and `errors` what failed. Invalidations are safe to repeat: retry the call.
 */
export class InvalidationError extends CachekitError {
  override readonly code = 'INVALIDATION_FAILED' as const
  override readonly name = 'InvalidationError' as const
  /** The cascade's name. */
  readonly cascade: string
  /** The partial report (a `CascadeReport`). */
  readonly report: unknown
  readonly errors: readonly unknown[]

  constructor(cascade: string, message: string, options: InvalidationErrorOptions = {}) {
    super(`cascade ${JSON.stringify(cascade)}: ${message}`, options)
    this.cascade = cascade
    this.report = options.report
    this.errors = options.errors ?? []
  }
}
