import { CachekitError, type CachekitErrorOptions } from './cachekit-error.js'

/** Options of driver errors. */
export interface DriverErrorOptions extends CachekitErrorOptions {
  /** Name of the driver that failed (`memory`, `ioredis`, `upstash`, ...). */
  driver?: string
}

/**
 * The storage backend failed: unreachable, refused, closed or answered with an error.
 * Connection strings and tokens never appear in the message.
 */
export class DriverError extends CachekitError {
  override readonly code: string = 'DRIVER_ERROR'
  override readonly name: string = 'DriverError'
  /** Name of the driver that failed. */
  readonly driver: string | undefined

  constructor(message: string, options: DriverErrorOptions = {}) {
    super(message, options)
    this.driver = options.driver
  }
}
