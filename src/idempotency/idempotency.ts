/**
 * `kit.idempotency`: run an operation once per idempotency key, and answer duplicates
 * with its stored outcome.
 *
 * One hash per key holds the whole state machine (free -> in progress under a lease ->
 * done), so each step is one single-key script: atomic and Cluster-safe. The guarantee is
 * at-most-once per lease window, not exactly-once: a caller that dies (or stalls past its
 * lease) frees the key, and a later duplicate runs the operation again. See
 * docs/idempotency.md. Idempotency fails closed: with Redis unreachable `run` rejects
 * with a `DriverError` and the operation does not run.
 */
import type { Codec } from '../codec/codec.js'
import {
  CachekitError,
  CommandError,
  DriverClosedError,
  DriverError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  ValidationError,
} from '../core/errors/index.js'
import { randomToken } from '../core/web-crypto.js'
import type { Driver } from '../drivers/driver.js'
import { escapeParam } from '../keys/escape.js'
import { idempotencyBegin, type IdempotencyBeginReply } from '../scripts/idempotency-begin.js'
import { idempotencyComplete } from '../scripts/idempotency-complete.js'
import { idempotencyExtend } from '../scripts/idempotency-extend.js'
import { idempotencyRelease } from '../scripts/idempotency-release.js'
import { CompletionChannels, type CompletionWaiter } from './completion-waiter.js'
import { fingerprintOf } from './fingerprint.js'
import { resolveIdempotencyOptions, type ResolvedIdempotencyOptions, type RunOptions } from './options.js'
import { reviveError, serializeError, type StoredError } from './stored-error.js'

/** An idempotency key: a non-empty string (at most 1024 characters) or a finite number. */
export type IdempotencyKey = string | number

/** What the operation receives. */
export interface IdempotentContext {
  /** Aborts if this caller lost the key's lease (it stalled past it): stop, another caller may run now. */
  readonly signal: AbortSignal
}

/** An operation run under an idempotency key. */
export type IdempotentOperation<T> = (context: IdempotentContext) => Promise<T> | T

/** What {@link Idempotency.execute} resolves. */
export interface IdempotentResult<T> {
  /** The operation's result: this call's, or the stored one. */
  readonly value: T
  /** True when the value is the stored outcome of an earlier call (the operation did not run here). */
  readonly replayed: boolean
}

/** What the kit hands the idempotency service. @internal */
export interface IdempotencyContext {
  readonly driver: Driver
  readonly prefix: string
  readonly codec: Codec
  readonly defaults: ResolvedIdempotencyOptions
  /** Reports an outcome that could not be stored (the caller still gets it). */
  readonly onDegraded: (event: { key: string; operation: string; error: unknown }) => void
}

const MAX_KEY_LENGTH = 1024

/** The idempotency service of a kit. */
export class Idempotency {
  private readonly completions: CompletionChannels

  /** @internal Use `kit.idempotency`. */
  constructor(private readonly context: IdempotencyContext) {
    this.completions = new CompletionChannels(context.driver)
  }

  /**
   * Runs `operation` once for `key`: the first caller runs it and stores its result;
   * concurrent duplicates wait for that result (up to `wait`); later duplicates get the
   * stored result without running it, until `ttl` passes.
   *
   * @throws {IdempotencyConflictError} when `key` was used with another `payload`.
   * @throws {IdempotencyInProgressError} when another caller is still running it after `wait`.
   * @throws {DriverError} when Redis is unreachable before the operation ran (it did not run).
   * @throws {ValidationError} for a bad key, options or payload, or a result the codec cannot store.
   * @throws what `operation` throws (or, for a duplicate, the stored error when `storeErrors` kept it).
   * @example
   * const charge = await kit.idempotency.run(`charge:${request.headers['idempotency-key']}`, () => stripe.charge(order), {
   *   payload: request.body,
   * })
   */
  async run<T>(key: IdempotencyKey, operation: IdempotentOperation<T>, options: RunOptions = {}): Promise<T> {
    return (await this.execute(key, operation, options)).value
  }

  /**
   * As {@link run}, and says whether the value was replayed (for an `Idempotent-Replayed`
   * response header, or logs).
   * @example const { value, replayed } = await kit.idempotency.execute(key, () => createOrder(cart))
   */
  async execute<T>(key: IdempotencyKey, operation: IdempotentOperation<T>, options: RunOptions = {}): Promise<IdempotentResult<T>> {
    if (typeof operation !== 'function') throw new ValidationError('idempotency.run needs a function to run')
    const name = keyText(key)
    const resolved = resolveIdempotencyOptions(options, this.context.defaults)
    const storeErrors = resolveStoreErrors(options.storeErrors)
    const fingerprint = options.payload === undefined ? '' : await fingerprintOf(options.payload)
    const redisKey = `${this.context.prefix}__idem:{${escapeParam(name, 'idempotency key')}}`
    const owner = randomToken(16)
    const startedAt = Date.now()
    let waiter: CompletionWaiter | undefined
    try {
      for (;;) {
        const reply = await this.begin(redisKey, owner, fingerprint, resolved.leaseMs, waiter !== undefined)
        if (reply.state === 'run')
          return { value: await this.runOwned(name, redisKey, owner, fingerprint, operation, resolved, storeErrors), replayed: false }
        if (reply.state === 'conflict') throw new IdempotencyConflictError(name)
        if (reply.state === 'done') return { value: this.replay<T>(name, reply.kind, reply.payload), replayed: true }
        const waitedMs = Date.now() - startedAt
        if (waitedMs >= resolved.waitMs) {
          if (reply.state === 'unknown') throw reply.error
          throw new IdempotencyInProgressError(name, waitedMs, { retryAfterMs: reply.leaseMs })
        }
        if (waiter === undefined) {
          // Look again right after subscribing: a completion published before it would be missed.
          waiter = await this.completions.wait(completionChannel(redisKey))
          continue
        }
        await waiter.next(resolved.waitMs - waitedMs)
      }
    } finally {
      await waiter?.stop()
    }
  }

  /**
   * One look at the key. While waiting for another caller, a failed look (a timeout, a
   * dropped connection) counts as "still running" until `wait` is over: the duplicate
   * already knows the operation is in progress elsewhere.
   */
  private async begin(
    redisKey: string,
    owner: string,
    fingerprint: string,
    leaseMs: number,
    waiting: boolean,
  ): Promise<IdempotencyBeginReply | { state: 'unknown'; error: unknown }> {
    try {
      return await this.context.driver.eval(idempotencyBegin, [redisKey], [owner, fingerprint, String(leaseMs)])
    } catch (error) {
      if (!waiting || !(error instanceof DriverError) || error instanceof CommandError || error instanceof DriverClosedError) throw error
      return { state: 'unknown', error }
    }
  }

  /**
   * Deletes what is stored under `key` (outcome or in-progress marker), so the next call
   * runs the operation again. For operators and tests. Resolves whether there was anything.
   * @example await kit.idempotency.forget('charge:abc')
   */
  async forget(key: IdempotencyKey): Promise<boolean> {
    const name = keyText(key)
    return (await this.context.driver.del([`${this.context.prefix}__idem:{${escapeParam(name, 'idempotency key')}}`])) > 0
  }

  private async runOwned<T>(
    name: string,
    redisKey: string,
    owner: string,
    fingerprint: string,
    operation: IdempotentOperation<T>,
    options: ResolvedIdempotencyOptions,
    storeErrors: (error: unknown) => boolean,
  ): Promise<T> {
    const lease = this.holdLease(name, redisKey, owner, options.leaseMs)
    let value: T
    try {
      value = await operation({ signal: lease.signal })
    } catch (error) {
      lease.stop()
      await this.settleFailure(name, redisKey, owner, fingerprint, error, options, storeErrors)
      throw error
    }
    lease.stop()
    let payload: string
    try {
      payload = this.context.codec.encode(value)
    } catch (error) {
      await this.release(redisKey, owner)
      throw new ValidationError(`the result of idempotency key ${JSON.stringify(name)} cannot be stored: ${(error as Error).message}`, {
        cause: error,
      })
    }
    await this.store(name, redisKey, owner, fingerprint, 'v', payload, options.ttlMs)
    return value
  }

  /** A failed operation: store the error if asked to, else free the key for a retry. */
  private async settleFailure(
    name: string,
    redisKey: string,
    owner: string,
    fingerprint: string,
    error: unknown,
    options: ResolvedIdempotencyOptions,
    storeErrors: (error: unknown) => boolean,
  ): Promise<void> {
    if (storeErrors(error)) {
      let payload: string | undefined
      try {
        payload = this.context.codec.encode(serializeError(error))
      } catch {
        payload = undefined
      }
      if (payload !== undefined) {
        await this.store(name, redisKey, owner, fingerprint, 'e', payload, options.ttlMs)
        return
      }
    }
    await this.release(redisKey, owner)
  }

  /** Stores an outcome and wakes waiting duplicates. Failures are reported, never thrown: the operation already ran. */
  private async store(
    name: string,
    redisKey: string,
    owner: string,
    fingerprint: string,
    kind: 'v' | 'e',
    payload: string,
    ttlMs: number,
  ): Promise<void> {
    try {
      const stored = await this.context.driver.eval(idempotencyComplete, [redisKey], [owner, fingerprint, kind, payload, String(ttlMs)])
      if (!stored) {
        const lost = new CachekitError(
          `idempotency key ${JSON.stringify(name)}: the lease ran out and another caller took the key over; this outcome was not stored`,
        )
        this.context.onDegraded({ key: redisKey, operation: 'idempotency.complete', error: lost })
      }
    } catch (error) {
      this.context.onDegraded({ key: redisKey, operation: 'idempotency.complete', error })
    }
    this.announce(redisKey)
  }

  private async release(redisKey: string, owner: string): Promise<void> {
    try {
      await this.context.driver.eval(idempotencyRelease, [redisKey], [owner])
    } catch (error) {
      // The lease runs out by itself: the key frees within `lease`.
      this.context.onDegraded({ key: redisKey, operation: 'idempotency.release', error })
    }
    this.announce(redisKey)
  }

  private announce(redisKey: string): void {
    this.context.driver.publish(completionChannel(redisKey), '1').catch(() => undefined)
  }

  /** Extends the lease every third of it while the operation runs; aborts the signal if it is lost. */
  private holdLease(name: string, redisKey: string, owner: string, leaseMs: number): { signal: AbortSignal; stop(): void } {
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    let stopped = false
    const schedule = () => {
      timer = setTimeout(extend, Math.max(1, Math.floor(leaseMs / 3)))
    }
    const extend = () => {
      this.context.driver.eval(idempotencyExtend, [redisKey], [owner, String(leaseMs)]).then(
        (held) => {
          if (stopped) return
          if (held) return schedule()
          controller.abort(
            new CachekitError(`idempotency key ${JSON.stringify(name)}: the lease was lost; another caller may run the operation`),
          )
        },
        // A failed extension is retried at the next tick; the lease may still run out meanwhile.
        () => {
          if (!stopped) schedule()
        },
      )
    }
    schedule()
    return {
      signal: controller.signal,
      stop: () => {
        stopped = true
        clearTimeout(timer)
      },
    }
  }

  private replay<T>(name: string, kind: string, payload: string): T {
    let decoded: unknown
    try {
      decoded = this.context.codec.decode(payload)
    } catch (error) {
      throw new CachekitError(
        `the stored outcome of idempotency key ${JSON.stringify(name)} cannot be decoded (written with another codec?)`,
        { cause: error },
      )
    }
    if (kind === 'e') throw reviveError(decoded as StoredError)
    return decoded as T
  }
}

function completionChannel(redisKey: string): string {
  return `${redisKey}:done`
}

function keyText(key: IdempotencyKey): string {
  if (typeof key === 'number') {
    if (!Number.isFinite(key)) throw new ValidationError(`an idempotency key must be a finite number, got ${key}`)
    return String(key)
  }
  if (typeof key !== 'string')
    throw new ValidationError(`an idempotency key must be a string or a number, got ${key === null ? 'null' : typeof key}`)
  if (key.length > MAX_KEY_LENGTH) throw new ValidationError(`an idempotency key must be at most ${MAX_KEY_LENGTH} characters`)
  return key
}

function resolveStoreErrors(option: RunOptions['storeErrors']): (error: unknown) => boolean {
  if (option === undefined || option === false) return () => false
  if (option === true) return () => true
  if (typeof option !== 'function') throw new ValidationError('storeErrors must be a boolean or a function')
  return (error) => {
    try {
      return option(error) === true
    } catch {
      return false
    }
  }
}
