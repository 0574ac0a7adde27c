const brand = Symbol.for('cachekit.error')

/** Where each error code is explained. */
export const ERROR_DOCS_BASE = 'https://github.com/cachekit/cachekit/blob/main/docs/errors.md'

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
  readonly code: string = 'CACHEKIT_ERROR'
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
  static is(value: unknown, code?: string): value is CachekitError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[brand] === true &&
      (code === undefined || (value as CachekitError).code === code)
    )
  }
}
