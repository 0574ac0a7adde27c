/**
 * Publish/subscribe on one driver-owned connection: SUBSCRIBE takes a connection over,
 * so it never runs on the command connection (which may be the user's client). All of
 * the driver's subscriptions share it; each channel is subscribed once on the server,
 * however many handlers it has.
 *
 * ioredis reconnects and resubscribes by itself, but messages published meanwhile are
 * lost, and a connection that stays open while carrying nothing looks healthy. So the
 * connection's status is tracked: `'interrupted'` as soon as it closes or a heartbeat
 * (see heartbeat.ts) does not come back, `'active'` once a beat comes back again; every
 * subscriber's `onStatus` hears each change.
 */
import type { MessageHandler, SubscriptionStatus, Unsubscribe } from '../driver.js'
import { duplicateForSubscriptions, type Caller, type Client } from './connect.js'
import { Heartbeat, type HeartbeatOptions } from './heartbeat.js'

/** Runs one bounded call (the driver's deadline and error mapping). */
export type RunCall = <T>(command: string, start: () => Promise<unknown>, parse: (reply: unknown) => T) => Promise<T>

interface Channel {
  readonly handlers: Set<MessageHandler>
  /** Settles when the server confirmed the SUBSCRIBE. */
  readonly active: Promise<void>
}

/** What the subscriptions need from the driver besides the connection. */
export interface SubscriptionsContext {
  readonly source: Client
  readonly run: RunCall
  readonly onHandlerError: (error: unknown, channel: string) => void
  readonly closeConnection: (client: Client) => Promise<void>
  /** Publishes on the command connection (the heartbeat's beats). */
  readonly publish: (channel: string, message: string) => Promise<unknown>
  /** The heartbeat's timing, or undefined to rely on connection events alone. */
  readonly heartbeat: HeartbeatOptions | undefined
}

export class Subscriptions {
  private connection: Client | undefined
  private readonly channels = new Map<string, Channel>()
  private status: SubscriptionStatus = 'active'
  private readonly watchers = new Set<(status: SubscriptionStatus) => void>()
  /** A channel no other client listens to: beats published on it must come back here. */
  private readonly heartbeatChannel = `__cachekit:heartbeat:${globalThis.crypto.randomUUID()}`
  private heartbeat: Heartbeat | undefined
  private readonly source: Client
  private readonly run: RunCall

  constructor(private readonly context: SubscriptionsContext) {
    this.source = context.source
    this.run = context.run
  }

  /** Adds `handler` to `channel`; resolves once the server confirmed the subscription. */
  async add(channel: string, handler: MessageHandler, onStatus?: (status: SubscriptionStatus) => void): Promise<Unsubscribe> {
    const connection = this.connect()
    let entry = this.channels.get(channel)
    if (!entry) {
      const active = this.run(
        'subscribe',
        () => caller(connection).call('subscribe', channel),
        () => undefined,
      )
      entry = { handlers: new Set(), active }
      this.channels.set(channel, entry)
    }
    // Wrapped so the same function can subscribe twice and unsubscribe independently.
    const subscription: MessageHandler = (message, name) => handler(message, name)
    entry.handlers.add(subscription)
    try {
      await entry.active
    } catch (error) {
      await this.remove(channel, entry, subscription)
      throw error
    }
    this.startHeartbeat(connection)
    if (onStatus !== undefined) {
      this.watchers.add(onStatus)
      // Subscribed while the connection is judged interrupted: say so at once.
      if (this.status === 'interrupted') queueMicrotask(() => this.tell(onStatus, 'interrupted'))
    }
    let done = false
    return async () => {
      if (done) return
      done = true
      if (onStatus !== undefined) this.watchers.delete(onStatus)
      await this.remove(channel, entry, subscription)
    }
  }

  /** Drops every subscription and closes the connection. */
  async close(): Promise<void> {
    this.heartbeat?.stop()
    this.heartbeat = undefined
    this.watchers.clear()
    this.channels.clear()
    const connection = this.connection
    this.connection = undefined
    if (connection) await this.context.closeConnection(connection)
  }

  private connect(): Client {
    if (this.connection) return this.connection
    const connection = duplicateForSubscriptions(this.source)
    // Connection errors surface through the calls; the listener keeps ioredis from logging them.
    connection.on('error', () => undefined)
    connection.on('message', (channel: string, message: string) => this.deliver(channel, message))
    // Whatever was published while the connection was down is lost.
    connection.on('close', () => this.setStatus('interrupted'))
    // ioredis resubscribes right after 'ready': a beat sent then comes back once it has.
    connection.on('ready', () => queueMicrotask(() => this.heartbeat?.nudge()))
    this.connection = connection
    return connection
  }

  private startHeartbeat(connection: Client): void {
    const options = this.context.heartbeat
    if (options === undefined || this.heartbeat !== undefined) return
    const heartbeat = new Heartbeat(options, {
      send: (beat) => void this.context.publish(this.heartbeatChannel, beat).catch(() => undefined),
      lost: () => this.setStatus('interrupted'),
      alive: () => this.setStatus('active'),
    })
    this.heartbeat = heartbeat
    // The heartbeat channel rides on the same connection as every other channel: a beat
    // that comes back proves the connection delivers, and it resubscribes all together.
    this.run(
      'subscribe',
      () => caller(connection).call('subscribe', this.heartbeatChannel),
      () => undefined,
    ).then(
      () => {
        if (this.heartbeat === heartbeat) heartbeat.start()
      },
      () => {
        if (this.heartbeat === heartbeat) this.heartbeat = undefined
      },
    )
  }

  private stopHeartbeat(): void {
    const heartbeat = this.heartbeat
    if (heartbeat === undefined) return
    this.heartbeat = undefined
    heartbeat.stop()
    const connection = this.connection
    if (connection)
      void this.run(
        'unsubscribe',
        () => caller(connection).call('unsubscribe', this.heartbeatChannel),
        () => undefined,
      ).catch(() => undefined)
  }

  private setStatus(status: SubscriptionStatus): void {
    if (this.status === status) return
    this.status = status
    for (const watcher of [...this.watchers]) this.tell(watcher, status)
  }

  private tell(watcher: (status: SubscriptionStatus) => void, status: SubscriptionStatus): void {
    try {
      watcher(status)
    } catch (error) {
      this.report(error, 'status')
    }
  }

  private deliver(channel: string, message: string): void {
    if (channel === this.heartbeatChannel) {
      this.heartbeat?.received(message)
      return
    }
    const entry = this.channels.get(channel)
    if (!entry) return
    for (const handler of [...entry.handlers]) {
      try {
        handler(message, channel)
      } catch (error) {
        this.report(error, channel)
      }
    }
  }

  private report(error: unknown, channel: string): void {
    try {
      this.context.onHandlerError(error, channel)
    } catch {
      // A failing error reporter must not take the connection's event loop down with it.
    }
  }

  /** Removes one handler; the last one out unsubscribes on the server (best effort). */
  private async remove(channel: string, entry: Channel, subscription: MessageHandler): Promise<void> {
    entry.handlers.delete(subscription)
    if (entry.handlers.size > 0 || this.channels.get(channel) !== entry) return
    this.channels.delete(channel)
    if (this.channels.size === 0) this.stopHeartbeat()
    const connection = this.connection
    if (!connection) return
    // Messages for a channel without handlers are dropped, so a failed UNSUBSCRIBE only costs traffic.
    await this.run(
      'unsubscribe',
      () => caller(connection).call('unsubscribe', channel),
      () => undefined,
    ).catch(() => undefined)
  }
}

function caller(client: Client): Caller {
  return client as unknown as Caller
}
