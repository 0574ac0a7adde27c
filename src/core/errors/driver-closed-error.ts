import { DriverError, type DriverErrorOptions } from './driver-error.js'

/** A call was made on a driver after `close()`. */
export class DriverClosedError extends DriverError {
  override readonly code = 'DRIVER_CLOSED' as const
  override readonly name = 'DriverClosedError' as const

  constructor(command: string, options: DriverErrorOptions = {}) {
    super(`${options.driver ?? 'driver'}: ${command} called after close()`, options)
  }
}
