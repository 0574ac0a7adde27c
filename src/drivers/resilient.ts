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
import type { Script, ScoredMember } from '../core/script.js'
import type { Driver, MessageHandler, ScanOptions, SetOptions, SubscribeOptions, Unsubscribe, ZRangeByScoreOptions, ZRangeOptions } from './driver.js'

/** Breaker states. */
export type CircuitState = 'closed' | 'open' | 'half-open'

/** The breaker's event (part of the kit's events). */
export interface CircuitEvents {
  /** The circuit breaker changed state. */
  circuit: { state: CircuitState; previous: CircuitState }
}

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

/**
 * Wraps `driver` in a circuit breaker.
 *
 * @example
 * const driver = resilientDriver(ioredisDriver({ url }), { failureThreshold: 3 })
 */
export function resilientDriver(driver: Driver, options: BreakerOptions = {}): ResilientDriver {
  return new Resilient(driver, new Breaker(driver.name, { ...BREAKER_DEFAULTS, ...options }))
}

// One explicit method per call (no rest/spread, no per-call closures): this sits on
// every cache hit, so it must cost next to nothing while the circuit is closed.
class Resilient implements ResilientDriver {
  readonly name: string
  readonly capabilities: Driver['capabilities']

  constructor(
    readonly inner: Driver,
    private readonly breaker: Breaker,
  ) {
    this.name = inner.name
    this.capabilities = inner.capabilities
  }

  get circuit(): CircuitState {
    return this.breaker.state
  }

  get(key: string): Promise<string | null> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.get(key))
  }

  mget(keys: readonly string[]): Promise<(string | null)[]> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.mget(keys))
  }

  set(key: string, value: string, options?: SetOptions): Promise<boolean> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.set(key, value, options))
  }

  del(keys: readonly string[]): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.del(keys))
  }

  exists(keys: readonly string[]): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.exists(keys))
  }

  pttl(key: string): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.pttl(key))
  }

  expire(key: string, ttlMs: number): Promise<boolean> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.expire(key, ttlMs))
  }

  persist(key: string): Promise<boolean> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.persist(key))
  }

  incrBy(key: string, by: number): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.incrBy(key, by))
  }

  hget(key: string, field: string): Promise<string | null> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.hget(key, field))
  }

  hmget(key: string, fields: readonly string[]): Promise<(string | null)[]> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.hmget(key, fields))
  }

  hset(key: string, fields: Readonly<Record<string, string>>): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.hset(key, fields))
  }

  hdel(key: string, fields: readonly string[]): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.hdel(key, fields))
  }

  hgetall(key: string): Promise<Record<string, string>> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.hgetall(key))
  }

  hincrBy(key: string, field: string, by: number): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.hincrBy(key, field, by))
  }

  sadd(key: string, members: readonly string[]): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.sadd(key, members))
  }

  srem(key: string, members: readonly string[]): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.srem(key, members))
  }

  smembers(key: string): Promise<string[]> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.smembers(key))
  }

  sismember(key: string, member: string): Promise<boolean> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.sismember(key, member))
  }

  scard(key: string): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.scard(key))
  }

  zadd(key: string, entries: readonly ScoredMember[]): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.zadd(key, entries))
  }

  zincrBy(key: string, member: string, by: number): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.zincrBy(key, member, by))
  }

  zrem(key: string, members: readonly string[]): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.zrem(key, members))
  }

  zscore(key: string, member: string): Promise<number | null> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.zscore(key, member))
  }

  zcard(key: string): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.zcard(key))
  }

  zrank(key: string, member: string, options?: ZRangeOptions): Promise<number | null> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.zrank(key, member, options))
  }

  zrange(key: string, start: number, stop: number, options?: ZRangeOptions): Promise<string[]> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.zrange(key, start, stop, options))
  }

  zrangeWithScores(key: string, start: number, stop: number, options?: ZRangeOptions): Promise<ScoredMember[]> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.zrangeWithScores(key, start, stop, options))
  }

  zrangeByScore(key: string, min: number, max: number, options?: ZRangeByScoreOptions): Promise<ScoredMember[]> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.zrangeByScore(key, min, max, options))
  }

  publish(channel: string, message: string): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.publish(channel, message))
  }

  subscribe(channel: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Unsubscribe> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.subscribe(channel, handler, options))
  }

  info(section?: string): Promise<string> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.info(section))
  }

  ping(): Promise<number> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.ping())
  }

  eval<T>(script: Script<T>, keys: readonly string[], args: readonly string[]): Promise<T> {
    return this.breaker.admit() ?? this.breaker.observe(this.inner.eval(script, keys, args))
  }

  scan(match: string, options?: ScanOptions): AsyncIterable<string[]> {
    return this.breaker.iterate(() => this.inner.scan(match, options))
  }

  close(): Promise<void> {
    return this.inner.close()
  }
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

  /** A rejection when the circuit refuses the call, or undefined to let it through. */
  admit(): Promise<never> | undefined {
    if (this.state === 'closed') return undefined
    const refusal = this.refusal()
    return refusal === undefined ? undefined : Promise.reject(refusal)
  }

  /** Watches a call's outcome; the handlers are created once, not per call. */
  observe<T>(pending: Promise<T>): Promise<T> {
    return pending.then(this.onSuccess as (value: T) => T, this.onFailure)
  }

  private readonly onSuccess = (value: unknown): unknown => {
    if (this.failures !== 0 || this.state !== 'closed') this.succeeded()
    return value
  }

  private readonly onFailure = (error: unknown): never => {
    this.failed(error)
    throw error
  }

  async *iterate(scan: () => AsyncIterable<string[]>): AsyncIterable<string[]> {
    const refusal = this.state === 'closed' ? undefined : this.refusal()
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
  private refusal(): CircuitOpenError | undefined {
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
