/**
 * A held lock (or semaphore permit): its fencing token, its loss signal, and the
 * token-checked release, extend and check that only ever touch this owner's lease.
 */
import type { Duration } from '../core/duration.js'
import { LockLostError } from '../core/errors/index.js'
import { unref } from '../core/deadline.js'
import { resolveTtl } from './options.js'

/** A lock this process holds. Returned by `kit.locks.acquire` and `semaphore.acquire`. */
export interface Lock {
  /** The resource name it was acquired for. */
  readonly resource: string
  /**
   * A number that grows with every acquisition of this resource: a later holder always
   * has a larger one. Send it with every write to the protected resource and have the
   * resource refuse tokens lower than the highest it has seen; that is what keeps a
   * paused or partitioned former holder from doing damage (see docs/locks.md).
   */
  readonly fencingToken: number
  /**
   * Aborts (with a `LockLostError` as its `reason`) when this process learns the lock is
   * gone: its TTL ran out locally without a successful extension, or an extend, isHeld or
   * release found it no longer held. Pass it on to the work the lock protects.
   */
  readonly signal: AbortSignal
  /**
   * When the lock expires unless extended, in ms since the epoch, as this process
   * conservatively estimates it (counted from before the acquire or extend was sent).
   */
  readonly expiresAt: number
  /**
   * Releases the lock if this owner still holds it. Idempotent once it succeeded.
   * @throws {LockLostError} when it had expired or been taken (then someone else may hold it).
   * @throws {DriverError} when Redis is unreachable (the lock then expires by its TTL).
   */
  release(): Promise<void>
  /**
   * Sets the lock's remaining life to `ttl` (default: the TTL it was acquired with), if
   * this owner still holds it.
   * @throws {LockLostError} when it had expired or been taken; `signal` aborts too.
   * @throws {DriverError} when Redis is unreachable; the lock keeps its old expiry.
   */
  extend(ttl?: Duration): Promise<void>
  /**
   * Asks Redis whether this owner still holds the lock. `false` also aborts `signal`.
   * @throws {DriverError} when Redis is unreachable.
   */
  isHeld(): Promise<boolean>
}

/** The three token-checked operations on one lease, as a lock or a semaphore implements them. */
export interface LeaseBackend {
  /** Deletes this owner's lease; `false` when it was no longer held. */
  release(token: string): Promise<boolean>
  /** Sets this owner's lease to expire `ttlMs` from now; `false` when it was no longer held. */
  extend(token: string, ttlMs: number): Promise<boolean>
  /** `true` while this owner's lease is held. */
  check(token: string): Promise<boolean>
  /**
   * Gives this owner's lease back in the background, when a release could not be sent or
   * an acquire's fate is unknown: kept and sent again while the driver refuses (timeout,
   * outage, open breaker), until answered or until `ttlMs` has passed. Never rejects.
   */
  giveBack(token: string, ttlMs: number): void
}

/** What {@link HeldLock} is built from. */
export interface HeldLockInit {
  resource: string
  token: string
  fencingToken: number
  ttlMs: number
  /** When the successful acquire was sent (local clock): the lease is counted from then. */
  sentAtMs: number
  backend: LeaseBackend
}

/** The one implementation of {@link Lock}. */
export class HeldLock implements Lock {
  readonly resource: string
  readonly fencingToken: number
  /** The TTL it was acquired with: what `extend()` and the auto-extender renew to. */
  readonly ttlMs: number
  private readonly token: string
  private readonly backend: LeaseBackend
  private readonly controller = new AbortController()
  private state: 'held' | 'released' | 'lost' = 'held'
  private validUntilMs: number
  private expiryTimer: ReturnType<typeof setTimeout> | undefined

  constructor(init: HeldLockInit) {
    this.resource = init.resource
    this.fencingToken = init.fencingToken
    this.ttlMs = init.ttlMs
    this.token = init.token
    this.backend = init.backend
    this.validUntilMs = init.sentAtMs + init.ttlMs
    this.armExpiry()
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  get expiresAt(): number {
    return this.validUntilMs
  }

  /** True until the lock is released or known to be lost. */
  get active(): boolean {
    return this.state === 'held'
  }

  async release(): Promise<void> {
    if (this.state === 'released') return
    if (this.state === 'lost') {
      // Announced lost already; still remove the lease in case the guess was pessimistic.
      this.backend.giveBack(this.token, this.ttlMs)
      throw this.signal.reason
    }
    let released: boolean
    try {
      released = await this.backend.release(this.token)
    } catch (error) {
      // The caller learns of the failure; the lease is still given back once Redis answers.
      this.backend.giveBack(this.token, Math.max(0, this.validUntilMs - Date.now()))
      throw error
    }
    if (!released) throw this.lose('it was no longer held at release (it expired, or was force-released)')
    this.state = 'released'
    this.clearExpiry()
  }

  async extend(ttl?: Duration): Promise<void> {
    if (this.state === 'released') throw new LockLostError(this.resource, this.fencingToken, 'it was already released')
    if (this.state === 'lost') throw this.signal.reason
    const ttlMs = ttl === undefined ? this.ttlMs : resolveTtl(ttl, 'ttl')
    const sentAtMs = Date.now()
    const extended = await this.backend.extend(this.token, ttlMs)
    if (!extended) throw this.lose('it was no longer held when extended (it expired, or was force-released)')
    // The local deadline may have fired while the call was in flight: the loss stands.
    if (this.state !== 'held') throw this.signal.reason
    this.validUntilMs = sentAtMs + ttlMs
    this.armExpiry()
  }

  async isHeld(): Promise<boolean> {
    if (this.state !== 'held') return false
    const held = await this.backend.check(this.token)
    if (!held) this.lose('it was no longer held when checked (it expired, or was force-released)')
    return held && this.state === 'held'
  }

  /** Marks the lock lost (once), aborts the signal, and returns the reason. */
  private lose(detail: string): LockLostError {
    if (this.state === 'held') {
      this.state = 'lost'
      this.clearExpiry()
      this.controller.abort(new LockLostError(this.resource, this.fencingToken, detail))
    }
    return this.signal.reason as LockLostError
  }

  private armExpiry(): void {
    this.clearExpiry()
    this.expiryTimer = setTimeout(
      () => this.lose(`its TTL ran out (no successful extension before ${new Date(this.validUntilMs).toISOString()})`),
      Math.max(0, this.validUntilMs - Date.now()),
    )
    unref(this.expiryTimer)
  }

  private clearExpiry(): void {
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer)
    this.expiryTimer = undefined
  }
}
