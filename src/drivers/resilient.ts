/**
 * A Driver that wraps a Driver with a circuit breaker. Timeouts live in the remote
 * drivers themselves (every call is bounded there); the breaker makes a dead server
 * cost nothing once it has failed `failureThreshold` times in a row: calls reject with
 * {@link CircuitOpenError} at once, and after `cooldownMs` one probe call is let
 * through to find out whether the server is back.
 *
 * Only infrastructure failures count (timeouts, connection errors). A refused command
 * ({@link CommandError}), bad input and a closed driver say nothing about the server's
 * health and never trip the breaker.
 */
import { CircuitOpenError, CommandError, DriverClosedError, DriverError } from '../core/errors/index.js'
import type { Driver, MessageHandler, ScanOptions } from './driver.js'

/** Breaker states. */
export type CircuitState = 'closed' | 'open' | 'half-open'

/** Options of {@link resilientDriver}. */
export interface BreakerOptions {
  /**
   * Consecutive infrastructure failures that open the circuit.
   * @default 5
   */
  failureThreshold?: number
  /**
   * How long the circuit stays open before one probe call may go through, in ms.
   * @default 2000
   */
  cooldownMs?: number
  /** Called on every state change (for events and metrics). */
  onStateChange?: (state: CircuitState, previous: CircuitState) => void
}

/** A driver with a breaker in front of it. */
export interface ResilientDriver extends Driver {
  /** The breaker's current state. */
  readonly circuit: CircuitState
  /** The wrapped driver. */
  readonly inner: Driver
}

export const BREAKER_DEFAULTS = Object.freeze({ failureThreshold: 5, cooldownMs: 2000 })

const GUARDED = [
  'get', 'mget', 'set', 'del', 'exists', 'pttl', 'expire', 'persist', 'incrBy',
  'hget', 'hmget', 'hset', 'hdel', 'hgetall', 'hincrBy',
  'sadd', 'srem', 'smembers', 'sismember', 'scard',
  'zadd', 'zincrBy', 'zrem', 'zscore', 'zcard', 'zrank', 'zrange', 'zrangeWithScores', 'zrangeByScore',
  'eval', 'publish', 'subscribe', 'info', 'ping',
] as const satisfies readonly (keyof Driver)[]

/**
 * Wraps `driver` in a circuit breaker.
 *
 * @example
 * const driver = resilientDriver(ioredisDriver({ url }), { failureThreshold: 3 })
 */
export function resilientDriver(driver: Driver, options: BreakerOptions = {}): ResilientDriver {
  const breaker = new Breaker(driver.name, { ...BREAKER_DEFAULTS, ...options })
  const wrapped: Record<string, unknown> = {
    name: driver.name,
    capabilities: driver.capabilities,
    inner: driver,
    close: () => driver.close(),
    scan: (match: string, scanOptions?: ScanOptions) => breaker.iterate(() => driver.scan(match, scanOptions)),
  }
  Object.defineProperty(wrapped, 'circuit', { get: () => breaker.state, enumerable: true })
  for (const method of GUARDED) {
    const call = (driver[method] as (...args: unknown[]) => Promise<unknown>).bind(driver)
    wrapped[method] = (...args: unknown[]) => breaker.run(() => call(...args))
  }
  const subscribe = driver.subscribe.bind(driver)
  wrapped.subscribe = (channel: string, handler: MessageHandler) => breaker.run(() => subscribe(channel, handler))
  return wrapped as unknown as ResilientDriver
}

class Breaker {
  state: CircuitState = 'closed'
  private failures = 0
  private openedAt = 0
  private probing = false

  constructor(
    private readonly driverName: string,
    private readonly options: Required<Omit<BreakerOptions, 'onStateChange'>> & Pick<BreakerOptions, 'onStateChange'>,
  ) {}

  run<T>(call: () => Promise<T>): Promise<T> {
    const refusal = this.admit()
    if (refusal) return Promise.reject(refusal)
    let pending: Promise<T>
    try {
      pending = call()
    } catch (error) {
      pending = Promise.reject(error)
    }
    return pending.then(
      (value) => {
        this.succeeded()
        return value
      },
      (error: unknown) => {
        this.failed(error)
        throw error
      },
    )
  }

  async *iterate(scan: () => AsyncIterable<string[]>): AsyncIterable<string[]> {
    const refusal = this.admit()
    if (refusal) throw refusal
    try {
      for await (const batch of scan()) {
        this.succeeded()
        yield batch
      }
      this.succeeded()
    } catch (error) {
      this.failed(error)
      throw error
    }
  }

  /** Returns the error to reject with, or undefined to let the call through. */
  private admit(): CircuitOpenError | undefined {
    if (this.state === 'closed') return undefined
    const retryAt = this.openedAt + this.options.cooldownMs
    if (this.state === 'open' && Date.now() >= retryAt) this.transition('half-open')
    if (this.state === 'half-open' && !this.probing) {
      this.probing = true
      return undefined
    }
    return new CircuitOpenError(retryAt, { driver: this.driverName })
  }

  private succeeded(): void {
    this.failures = 0
    this.probing = false
    if (this.state !== 'closed') this.transition('closed')
  }

  private failed(error: unknown): void {
    if (!countsAsOutage(error)) {
      // A refused command proves the server answered; bad input never reached it.
      if (error instanceof CommandError) this.succeeded()
      else this.probing = false
      return
    }
    this.probing = false
    this.failures++
    if (this.state === 'half-open' || (this.state === 'closed' && this.failures >= this.options.failureThreshold)) {
      this.openedAt = Date.now()
      this.transition('open')
    }
  }

  private transition(next: CircuitState): void {
    const previous = this.state
    if (previous === next) return
    this.state = next
    try {
      this.options.onStateChange?.(next, previous)
    } catch {
      // A listener's failure must never break a storage call.
    }
  }
}

function countsAsOutage(error: unknown): boolean {
  return error instanceof DriverError && !(error instanceof CommandError) && !(error instanceof DriverClosedError) && !(error instanceof CircuitOpenError)
}
