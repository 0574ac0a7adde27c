/**
 * The cache bus: one pub/sub channel per kit namespace that tells every instance which
 * keys changed, so each drops its L1 copy, and wakes instances waiting for another
 * instance's loader to fill a key (cross-process stampede protection).
 *
 * Messages are tiny JSON objects: `{ o: origin, t: 'set' | 'del' | 'clear', k: keys }`,
 * and `{ o, t: 'tags', k: tags, m: 'hard' | 'soft', at: stampMs }` for tag invalidations.
 * An instance ignores its own messages. Anyone who can PUBLISH on the server can send
 * one, so each is checked before it is used: a malformed message is dropped and counted
 * (`stats().dropped`), and tag stamps are clamped by the tag system (see TAG_DEFAULTS).
 */
import { RetryTimer } from '../core/retry-timer.js'
import type { Driver, SubscriptionStatus, Unsubscribe } from '../drivers/driver.js'

export interface BusMessage {
  /** The instance that sent it. */
  o: string
  t: 'set' | 'del' | 'clear' | 'tags'
  /** Full keys, or tags for `t: 'tags'`. */
  k: string[]
  /** Tag invalidations: the mode. */
  m?: 'hard' | 'soft'
  /** Tag invalidations: the stamp (epoch ms). */
  at?: number
}

export type BusListener = (message: BusMessage) => void

/** What the bus has received. */
export interface BusStats {
  /** Well-formed messages from other instances. */
  received: number
  /** Messages that were not well-formed bus messages, dropped unread. */
  dropped: number
}

/** The bus as `kit.monitor.health()` reports it. */
export interface BusStatus extends BusStats {
  readonly state: BusState
  /** When it entered this state (epoch ms). */
  readonly since: number
  /** How many times delivery was interrupted since the kit started. */
  readonly interruptions: number
  /** Why the last subscribe attempt failed (an error code or name); null once one succeeded. */
  readonly lastError: string | null
}

/** Where the bus stands. */
export type BusState =
  /** Not started (the kill switch is on, or `start()` was not called yet). */
  | 'idle'
  /** Subscribing; after a failed attempt, retried with backoff until it works. */
  | 'subscribing'
  /** Subscribed: every other instance's announcement reaches this one. */
  | 'active'
  /** The driver says delivery stopped: announcements may be lost until it is active again. */
  | 'interrupted'
  | 'closed'

/** How the bus reports. Listeners' failures are swallowed. */
export interface BusHooks {
  /** A failed subscribe attempt or publish. */
  onError(error: unknown, operation: 'subscribe' | 'publish'): void
  /** Every change of state. */
  onState(state: BusState, previous: BusState): void
}

/** Retry delays of a failed subscribe: 100 ms doubling to 5 s, plus jitter. */
const RETRY = Object.freeze({ minMs: 100, maxMs: 5_000, jitter: 0.2 })

export class CacheBus {
  readonly channel: string
  private readonly listeners = new Set<BusListener>()
  private readonly gapListeners = new Set<() => void>()
  private readonly waiters = new Map<string, Set<() => void>>()
  private unsubscribe: Unsubscribe | undefined
  private first: Promise<void> | undefined
  private readonly retries = new RetryTimer(RETRY, () => void this.attempt())
  private state_: BusState = 'idle'
  private since = Date.now()
  private interruptions = 0
  private lastError: string | null = null
  private readonly counts: BusStats = { received: 0, dropped: 0 }

  constructor(
    private readonly driver: Driver,
    namespacePrefix: string,
    readonly origin: string,
    private readonly hooks: BusHooks,
  ) {
    this.channel = `${namespacePrefix}__cachekit:bus`
  }

  /** True when the driver can deliver bus messages. */
  get available(): boolean {
    return this.driver.capabilities.pubsub
  }

  /** True while subscribed: only then may L1 copies and announced tag stamps be trusted for long. */
  get ready(): boolean {
    return this.state_ === 'active'
  }

  get state(): BusState {
    return this.state_
  }

  /** The state, since when, how often delivery was interrupted, and the message counts. */
  status(): BusStatus {
    return { state: this.state_, since: this.since, interruptions: this.interruptions, lastError: this.lastError, ...this.counts }
  }

  /**
   * Subscribes. Resolves once the first attempt settled, never rejects: a failed attempt
   * is reported and retried with backoff until it works or the bus is closed, so a
   * process that boots while Redis is away joins the bus once Redis is back.
   */
  start(): Promise<void> {
    if (!this.available || this.state_ === 'closed') return Promise.resolve()
    this.first ??= this.attempt()
    return this.first
  }

  onMessage(listener: BusListener): void {
    this.listeners.add(listener)
  }

  /**
   * `listener` runs whenever this process may have missed announcements: delivery was
   * interrupted. Whatever it learned from the bus before may be incomplete.
   */
  onGap(listener: () => void): void {
    this.gapListeners.add(listener)
  }

  /** Tells the other instances that `keys` changed. Best effort: failures are reported. */
  publish(type: BusMessage['t'], keys: string[], extra?: Pick<BusMessage, 'm' | 'at'>): Promise<boolean> {
    if (this.state_ === 'closed') return Promise.resolve(false)
    const message: BusMessage = { o: this.origin, t: type, k: keys, ...extra }
    return this.driver.publish(this.channel, JSON.stringify(message)).then(
      () => true,
      (error: unknown) => {
        this.report(error, 'publish')
        return false
      },
    )
  }

  /** Resolves when another instance announces a write to `key`, or after `timeoutMs`. */
  waitForWrite(key: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(key)
      if (!set) {
        set = new Set()
        this.waiters.set(key, set)
      }
      const waiters = set
      const done = () => {
        clearTimeout(timer)
        waiters.delete(done)
        if (waiters.size === 0 && this.waiters.get(key) === waiters) this.waiters.delete(key)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      waiters.add(done)
    })
  }

  async close(): Promise<void> {
    if (this.state_ === 'closed') return
    this.transition('closed')
    this.retries.close()
    await this.first
    for (const waiters of this.waiters.values()) for (const wake of [...waiters]) wake()
    const unsubscribe = this.unsubscribe
    this.unsubscribe = undefined
    await unsubscribe?.().catch(() => undefined)
  }

  private async attempt(): Promise<void> {
    if (this.isClosed()) return
    this.transition('subscribing')
    try {
      const unsubscribe = await this.driver.subscribe(this.channel, (raw) => this.receive(raw), {
        onStatus: (status) => this.statusChanged(status),
      })
      if (this.isClosed()) {
        await unsubscribe().catch(() => undefined)
        return
      }
      this.unsubscribe = unsubscribe
      this.retries.reset()
      this.lastError = null
      // The driver may have told of an interruption while subscribing: keep it.
      if (this.state === 'subscribing') this.transition('active')
    } catch (error) {
      if (this.isClosed()) return
      this.lastError = errorCode(error)
      this.report(error, 'subscribe')
      this.retries.schedule()
    }
  }

  private isClosed(): boolean {
    return this.state_ === 'closed'
  }

  private statusChanged(status: SubscriptionStatus): void {
    if (this.state_ === 'closed') return
    if (status === 'interrupted') {
      if (this.state_ === 'interrupted') return
      this.interruptions++
      this.transition('interrupted')
      for (const listener of this.gapListeners) {
        try {
          listener()
        } catch {
          // A listener's failure must not stop the others from hearing of the gap.
        }
      }
    } else if (this.unsubscribe !== undefined) this.transition('active')
  }

  private transition(next: BusState): void {
    const previous = this.state_
    if (previous === next) return
    this.state_ = next
    this.since = Date.now()
    try {
      this.hooks.onState(next, previous)
    } catch {
      // Reporting must never break the bus.
    }
  }

  private report(error: unknown, operation: 'subscribe' | 'publish'): void {
    try {
      this.hooks.onError(error, operation)
    } catch {
      // Reporting must never break the bus.
    }
  }

  /** Counts of received and dropped messages. */
  stats(): BusStats {
    return { ...this.counts }
  }

  private receive(raw: string): void {
    const message = parseMessage(raw)
    if (message === undefined) {
      this.counts.dropped++
      return
    }
    if (message.o === this.origin) return
    this.counts.received++
    for (const listener of this.listeners) listener(message)
    if (message.t === 'set') {
      for (const key of message.k) for (const wake of [...(this.waiters.get(key) ?? [])]) wake()
    }
  }
}

/** The message in `raw`, or undefined unless it is exactly a bus message. */
function parseMessage(raw: string): BusMessage | undefined {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { o, t, k, m, at } = value as Record<string, unknown>
  if (typeof o !== 'string' || !Array.isArray(k) || !k.every((item) => typeof item === 'string' && item.length > 0)) return undefined
  if (t === 'set' || t === 'del' || t === 'clear') return { o, t, k }
  if (t === 'tags' && (m === 'hard' || m === 'soft') && typeof at === 'number' && Number.isSafeInteger(at) && at >= 0)
    return { o, t, k, m, at }
  return undefined
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') return code
  return error instanceof Error ? error.name : 'UNKNOWN'
}
