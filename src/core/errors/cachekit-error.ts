const brand = Symbol.for('cachekit.error')

/** Where each error code is explained. */
export const ERROR_DOCS_BASE = 'https://github.com/cachekit/cachekit/blob/main/docs/errors.md'

/**
 * Every `code` a cachekit error can carry: `switch (error.code)` over a `CachekitError`
 * is exhaustive over this list, and each subclass's `code` is one literal of it.
 * test/core/errors.test-d.ts proves the list and the classes agree.
 */
export type CachekitErrorCode =
  | 'CACHEKIT_ERROR'
  | 'VALIDATION_ERROR'
  | 'DRIVER_ERROR'
  | 'DRIVER_TIMEOUT'
  | 'DRIVER_CLOSED'
  | 'COMMAND_ERROR'
  | 'CROSS_SLOT'
  | 'CIRCUIT_OPEN'
  | 'LOADER_TIMEOUT'
  | 'LOCK_NOT_ACQUIRED'
  | 'LOCK_LOST'
  | 'RATE_LIMIT_EXCEEDED'
  | 'BUILD_FAILED'
  | 'INVALIDATION_FAILED'
  | 'IDEMPOTENCY_IN_PROGRESS'
  | 'IDEMPOTENCY_CONFLICT'

/** Options every cachekit error accepts. */
export interface CachekitErrorOptions {
  /** The underlying error, when this one wraps another. */
  cause?: unknown
}

/**
 * Base class of every error cachekit throws. Each subclass has a stable `code`
 * (safe to switch on; it never changes between versions) and a `docs` link.
 *
 * Use {@link CachekitError.is} rather than `instanceof` when errors may cross
 * realms (workers, duplicated installs of the package).
 */
export class CachekitError extends Error {
  /** Stable, machine-readable identifier of the failure family. */
  readonly code: CachekitErrorCode = 'CACHEKIT_ERROR'
  override readonly name: string = 'CachekitError'
  readonly [brand] = true

  constructor(message: string, options: CachekitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
  }

  /** Link to the page that explains this error's code. */
  get docs(): string {
    return `${ERROR_DOCS_BASE}#${this.code.toLowerCase().replaceAll('_', '-')}`
  }

  /** Cross-realm type guard: true for any cachekit error, optionally of one `code`. */
  static is(value: unknown, code?: CachekitErrorCode): value is CachekitError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[brand] === true &&
      (code === undefined || (value as CachekitError).code === code)
    )
  }
}
