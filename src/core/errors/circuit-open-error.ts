import { DriverError, type DriverErrorOptions } from './driver-error.js'

/**
 * The circuit breaker is open: the driver failed repeatedly, so calls fail at once
 * instead of waiting on a dead server. It closes again after a successful probe.
 */
export class CircuitOpenError extends DriverError {
  override readonly code = 'CIRCUIT_OPEN' as const
  override readonly name = 'CircuitOpenError' as const
  /** When the breaker will let a probe call through (epoch ms). */
  readonly retryAt: number

  constructor(retryAt: number, options: DriverErrorOptions = {}) {
    super(`${options.driver ?? 'driver'}: circuit open after repeated failures; calls fail fast until a probe succeeds`, options)
    this.retryAt = retryAt
  }
}
