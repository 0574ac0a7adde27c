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
import type { Driver, Unsubscribe } from '../drivers/driver.js'

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

export class CacheBus {
  readonly channel: string
  private readonly listeners = new Set<BusListener>()
  private readonly waiters = new Map<string, Set<() => void>>()
  private subscription: Promise<Unsubscribe | undefined> | undefined
  private closed = false
  private readonly counts: BusStats = { received: 0, dropped: 0 }
  /** True while the subscription is active: only then may L1 copies be trusted for long. */
  ready = false

  constructor(
    private readonly driver: Driver,
    namespacePrefix: string,
    readonly origin: string,
    private readonly onError: (error: unknown) => void,
  ) {
    this.channel = `${namespacePrefix}__cachekit:bus`
  }

  /** True when the driver can deliver bus messages. */
  get available(): boolean {
    return this.driver.capabilities.pubsub
  }

  /** Subscribes to the channel once; failures are reported, never thrown. */
  start(): Promise<unknown> {
    if (!this.available || this.closed) return Promise.resolve()
    this.subscription ??= this.driver.subscribe(this.channel, (raw) => this.receive(raw)).then(
      (unsubscribe) => {
        this.ready = !this.closed
        return unsubscribe
      },
      (error: unknown) => {
        this.subscription = undefined
        this.onError(error)
        return undefined
      },
    )
    return this.subscription
  }

  onMessage(listener: BusListener): void {
    this.listeners.add(listener)
  }

  /** Tells the other instances that `keys` changed. Best effort: failures are reported. */
  publish(type: BusMessage['t'], keys: string[], extra?: Pick<BusMessage, 'm' | 'at'>): void {
    if (this.closed) return
    const message: BusMessage = { o: this.origin, t: type, k: keys, ...extra }
    this.driver.publish(this.channel, JSON.stringify(message)).catch(this.onError)
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
    this.closed = true
    this.ready = false
    const unsubscribe = await this.subscription
    this.subscription = undefined
    for (const waiters of this.waiters.values()) for (const wake of [...waiters]) wake()
    await unsubscribe?.().catch(() => undefined)
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
  if (t === 'tags' && (m === 'hard' || m === 'soft') && typeof at === 'number' && Number.isSafeInteger(at) && at >= 0) return { o, t, k, m, at }
  return undefined
}
