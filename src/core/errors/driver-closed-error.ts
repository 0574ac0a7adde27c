import { DriverError, type DriverErrorOptions } from './driver-error.js'

/** A call was made on a driver after `close()`. */
export class DriverClosedError extends DriverError {
  override readonly code: string = 'DRIVER_CLOSED'
  override readonly name: string = 'DriverClosedError'

  constructor(command: string, options: DriverErrorOptions = {}) {
    super(`${options.driver ?? 'driver'}: ${command} called after close()`, options)
  }
}
