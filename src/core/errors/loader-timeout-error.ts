import { CachekitError, type CachekitErrorOptions } from './cachekit-error.js'

/** A `getOrSet` loader ran past its `hardTimeout`; its `signal` was aborted. */
export class LoaderTimeoutError extends CachekitError {
  override readonly code = 'LOADER_TIMEOUT' as const
  override readonly name = 'LoaderTimeoutError' as const
  /** The key being loaded. */
  readonly key: string
  /** The hard timeout that elapsed, in ms. */
  readonly timeoutMs: number

  constructor(key: string, timeoutMs: number, options?: CachekitErrorOptions) {
    super(`loader for ${JSON.stringify(key)} did not finish within ${timeoutMs} ms`, options)
    this.key = key
    this.timeoutMs = timeoutMs
  }
}
