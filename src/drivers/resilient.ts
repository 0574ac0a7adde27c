/**
 * A Driver that wraps a Driver with a circuit breaker. Timeouts live in the remote
 * drivers themselves (every call is bounded there); the breaker makes a dead server
 * cost nothing once it has failed `failureThreshold` times in a row: calls reject with
 * {@link CircuitOpenError} at once, and after `cooldownMs` one probe call is let
 * through to find out whether the server is back.
 *
 * Health is judged per node where the driver can say which node owns a key
 * (`Driver.nodeOf`, a cluster): a dead master opens only its own circuit, and calls for
 * keys on the healthy masters go on. Calls without a key (PING, INFO, SCAN, SUBSCRIBE)
 * and multi-key calls that span nodes share one driver-wide circuit. When the driver
 * says a connection is ready again (`Driver.onReconnect`), its circuit closes at once.
 *
 * Only infrastructure failures count (timeouts, connection errors). A refused command
 * ({@link CommandError}), bad input and a closed driver say nothing about the server's
 * health and never trip the breaker.
 */
import { CircuitOpenError, CommandError, DriverClosedError, DriverError } from '../core/errors/index.js'
import type { Script, ScoredMember } from '../core/script.js'
import type {
  Driver,
  MessageHandler,
  ScanOptions,
  SetOptions,
  SubscribeOptions,
  Unsubscribe,
  ZRangeByScoreOptions,
  ZRangeOptions,
} from './driver.js'

/** Breaker states. */
export type CircuitState = 'closed' | 'open' | 'half-open'

/** The breaker's event (part of the kit's events). */
export interface CircuitEvents {
  /** A circuit changed state: the driver-wide one, or one node's (`node`, on a cluster). */
  circuit: { state: CircuitState; previous: CircuitState; node?: string }
}

/** Options of {@link resilientDriver}. */
export interface BreakerOptions {
  /**
   * Consecutive infrastructure failures that open the circuit.
   * @default 5
   */
  failureThreshold?: number
  /**
   * The longest the circuit stays open before one probe call may go through, in ms. The
   * first probe comes after an eighth of it (250 ms by default), and each failed probe
   * doubles the wait up to `cooldownMs`: a brief stall (a failover's slot refresh, a
   * restart) is over in a fraction of a second, while a dead server still costs one
   * probe per cooldown.
   * @default 2000
   */
  cooldownMs?: number
  /** Called on every state change (for events and metrics); `node` names a node's circuit. */
  onStateChange?: (state: CircuitState, previous: CircuitState, node?: string) => void
}

/** A driver with a breaker in front of it. */
export interface ResilientDriver extends Driver {
  /** The worst state of its circuits: `open` when any node's circuit is open. */
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
  return new Resilient(driver, { ...BREAKER_DEFAULTS, ...options })
}

type ResolvedBreakerOptions = Required<Omit<BreakerOptions, 'onStateChange'>> & Pick<BreakerOptions, 'onStateChange'>

// One explicit method per call (no rest/spread, no per-call closures): this sits on
// every cache hit, so it must cost next to nothing while the circuit is closed.
class Resilient implements ResilientDriver {
  readonly name: string
  readonly capabilities: Driver['capabilities']
  /** The driver-wide circuit, and the only one for a driver with one server. */
  private readonly main: Breaker
  private readonly nodes = new Map<string, Breaker>()
  private readonly ownerOf: ((key: string) => string | undefined) | undefined
  private readonly stopWatching: (() => void) | undefined

  constructor(
    readonly inner: Driver,
    private readonly options: ResolvedBreakerOptions,
  ) {
    this.name = inner.name
    this.capabilities = inner.capabilities
    this.main = new Breaker(inner.name, undefined, options)
    this.ownerOf = typeof inner.nodeOf === 'function' ? inner.nodeOf.bind(inner) : undefined
    this.stopWatching = inner.onReconnect?.((node) => this.reconnected(node))
  }

  get circuit(): CircuitState {
    let worst = this.main.state
    for (const breaker of this.nodes.values()) {
      if (breaker.state === 'open') return 'open'
      if (breaker.state === 'half-open') worst = worst === 'open' ? worst : 'half-open'
    }
    return worst
  }

  /** The circuit for a call on `key`: its node's, or the driver-wide one. */
  private of(key: string): Breaker {
    if (this.ownerOf === undefined) return this.main
    const node = this.ownerOf(key)
    return node === undefined ? this.main : this.forNode(node)
  }

  /** The circuit for a multi-key call: the node's when every key lives on one node. */
  private ofAll(keys: readonly string[]): Breaker {
    if (this.ownerOf === undefined || keys.length === 0) return this.main
    const node = this.ownerOf(keys[0] as string)
    if (node === undefined) return this.main
    for (let i = 1; i < keys.length; i++) if (this.ownerOf(keys[i] as string) !== node) return this.main
    return this.forNode(node)
  }

  private forNode(node: string): Breaker {
    let breaker = this.nodes.get(node)
    if (breaker === undefined) {
      breaker = new Breaker(this.name, node, this.options)
      this.nodes.set(node, breaker)
    }
    return breaker
  }

  /** A connection is ready again: its circuit (every circuit, for the whole driver) closes. */
  private reconnected(node: string | undefined): void {
    if (node === undefined) {
      this.main.reset()
      for (const breaker of this.nodes.values()) breaker.reset()
      return
    }
    this.nodes.get(node)?.reset()
    this.main.reset()
  }

  get(key: string): Promise<string | null> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.get(key))
  }

  mget(keys: readonly string[]): Promise<(string | null)[]> {
    const circuit = this.ofAll(keys)
    return circuit.admit() ?? circuit.observe(this.inner.mget(keys))
  }

  set(key: string, value: string, options?: SetOptions): Promise<boolean> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.set(key, value, options))
  }

  del(keys: readonly string[]): Promise<number> {
    const circuit = this.ofAll(keys)
    return circuit.admit() ?? circuit.observe(this.inner.del(keys))
  }

  exists(keys: readonly string[]): Promise<number> {
    const circuit = this.ofAll(keys)
    return circuit.admit() ?? circuit.observe(this.inner.exists(keys))
  }

  pttl(key: string): Promise<number> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.pttl(key))
  }

  expire(key: string, ttlMs: number): Promise<boolean> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.expire(key, ttlMs))
  }

  persist(key: string): Promise<boolean> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.persist(key))
  }

  incrBy(key: string, by: number): Promise<number> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.incrBy(key, by))
  }

  hget(key: string, field: string): Promise<string | null> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.hget(key, field))
  }

  hmget(key: string, fields: readonly string[]): Promise<(string | null)[]> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.hmget(key, fields))
  }

  hset(key: string, fields: Readonly<Record<string, string>>): Promise<number> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.hset(key, fields))
  }

  hdel(key: string, fields: readonly string[]): Promise<number> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.hdel(key, fields))
  }

  hgetall(key: string): Promise<Record<string, string>> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.hgetall(key))
  }

  hincrBy(key: string, field: string, by: number): Promise<number> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.hincrBy(key, field, by))
  }

  sadd(key: string, members: readonly string[]): Promise<number> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.sadd(key, members))
  }

  srem(key: string, members: readonly string[]): Promise<number> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.srem(key, members))
  }

  smembers(key: string): Promise<string[]> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.smembers(key))
  }

  sismember(key: string, member: string): Promise<boolean> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.sismember(key, member))
  }

  scard(key: string): Promise<number> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.scard(key))
  }

  zadd(key: string, entries: readonly ScoredMember[]): Promise<number> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.zadd(key, entries))
  }

  zincrBy(key: string, member: string, by: number): Promise<number> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.zincrBy(key, member, by))
  }

  zrem(key: string, members: readonly string[]): Promise<number> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.zrem(key, members))
  }

  zscore(key: string, member: string): Promise<number | null> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.zscore(key, member))
  }

  zcard(key: string): Promise<number> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.zcard(key))
  }

  zrank(key: string, member: string, options?: ZRangeOptions): Promise<number | null> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.zrank(key, member, options))
  }

  zrange(key: string, start: number, stop: number, options?: ZRangeOptions): Promise<string[]> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.zrange(key, start, stop, options))
  }

  zrangeWithScores(key: string, start: number, stop: number, options?: ZRangeOptions): Promise<ScoredMember[]> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.zrangeWithScores(key, start, stop, options))
  }

  zrangeByScore(key: string, min: number, max: number, options?: ZRangeByScoreOptions): Promise<ScoredMember[]> {
    const circuit = this.of(key)
    return circuit.admit() ?? circuit.observe(this.inner.zrangeByScore(key, min, max, options))
  }

  publish(channel: string, message: string): Promise<number> {
    const circuit = this.of(channel)
    return circuit.admit() ?? circuit.observe(this.inner.publish(channel, message))
  }

  subscribe(channel: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Unsubscribe> {
    return this.main.admit() ?? this.main.observe(this.inner.subscribe(channel, handler, options))
  }

  info(section?: string): Promise<string> {
    return this.main.admit() ?? this.main.observe(this.inner.info(section))
  }

  ping(): Promise<number> {
    return this.main.admit() ?? this.main.observe(this.inner.ping())
  }

  eval<T>(script: Script<T>, keys: readonly string[], args: readonly string[]): Promise<T> {
    const circuit = this.ofAll(keys)
    return circuit.admit() ?? circuit.observe(this.inner.eval(script, keys, args))
  }

  scan(match: string, options?: ScanOptions): AsyncIterable<string[]> {
    return this.main.iterate(() => this.inner.scan(match, options))
  }

  close(): Promise<void> {
    this.stopWatching?.()
    return this.inner.close()
  }
}

class Breaker {
  state: CircuitState = 'closed'
  private failures = 0
  private openedAt = 0
  /** How long after opening the next probe may go: doubles per failed probe, up to the cooldown. */
  private waitMs = 0
  private probing = false

  constructor(
    private readonly driverName: string,
    /** The node this circuit judges, or undefined for the driver-wide one. */
    private readonly node: string | undefined,
    private readonly options: ResolvedBreakerOptions,
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

  /** The connection is back: close at once. */
  reset(): void {
    if (this.state === 'closed' && this.failures === 0) return
    this.succeeded()
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
    const retryAt = this.openedAt + this.waitMs
    if (this.state === 'open' && Date.now() >= retryAt) this.transition('half-open')
    if (this.state === 'half-open' && !this.probing) {
      this.probing = true
      return undefined
    }
    return new CircuitOpenError(retryAt, { driver: this.node === undefined ? this.driverName : `${this.driverName} ${this.node}` })
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
      const cooldown = this.options.cooldownMs
      this.waitMs = this.state === 'half-open' ? Math.min(this.waitMs * 2, cooldown) : cooldown / 8
      this.openedAt = Date.now()
      this.transition('open')
    }
  }

  private transition(next: CircuitState): void {
    const previous = this.state
    if (previous === next) return
    this.state = next
    try {
      this.options.onStateChange?.(next, previous, this.node)
    } catch {
      // A listener's failure must never break a storage call.
    }
  }
}

function countsAsOutage(error: unknown): boolean {
  return (
    error instanceof DriverError &&
    !(error instanceof CommandError) &&
    !(error instanceof DriverClosedError) &&
    !(error instanceof CircuitOpenError)
  )
}
