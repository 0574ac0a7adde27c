import { DriverError, type DriverErrorOptions } from './driver-error.js'

/** A driver call did not answer within its timeout. The command may still run on the server. */
export class DriverTimeoutError extends DriverError {
  override readonly code = 'DRIVER_TIMEOUT' as const
  override readonly name = 'DriverTimeoutError' as const
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number

  constructor(command: string, timeoutMs: number, options: DriverErrorOptions = {}) {
    super(`${options.driver ?? 'driver'}: ${command} did not answer within ${timeoutMs} ms`, options)
    this.timeoutMs = timeoutMs
  }
}
