import { CachekitError, type CachekitErrorOptions } from './cachekit-error.js'
import { sanitizeCause, sanitizeMessage } from './sanitize-cause.js'

/** Options of driver errors. */
export interface DriverErrorOptions extends CachekitErrorOptions {
  /** Name of the driver that failed (`memory`, `ioredis`, `upstash`, ...). */
  driver?: string
}

/**
 * The storage backend failed: unreachable, refused, closed or answered with an error.
 * Connection strings and tokens never appear in the message, nor do command arguments
 * (cached values, session records, script arguments): the message drops what a server
 * quotes of them, and `cause` is a sanitized copy of the client's error (its name,
 * message, stack frames, codes, and the failed command as `{ name, argCount }`).
 */
export class DriverError extends CachekitError {
  /** `DRIVER_ERROR`, or the code of a subclass (timeout, closed, command, circuit open). */
  override readonly code: 'DRIVER_ERROR' | 'DRIVER_TIMEOUT' | 'DRIVER_CLOSED' | 'COMMAND_ERROR' | 'CIRCUIT_OPEN' = 'DRIVER_ERROR'
  override readonly name: 'DriverError' | 'DriverTimeoutError' | 'DriverClosedError' | 'CommandError' | 'CircuitOpenError' = 'DriverError'
  /** Name of the driver that failed. */
  readonly driver: string | undefined

  constructor(message: string, options: DriverErrorOptions = {}) {
    super(sanitizeMessage(message), { ...options, cause: sanitizeCause(options.cause) })
    this.driver = options.driver
  }
}
