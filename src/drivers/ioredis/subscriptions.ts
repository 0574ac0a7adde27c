/**
 * Publish/subscribe on one driver-owned connection: SUBSCRIBE takes a connection over,
 * so it never runs on the command connection (which may be the user's client). All of
 * the driver's subscriptions share it; each channel is subscribed once on the server,
 * however many handlers it has.
 */
import type { MessageHandler, Unsubscribe } from '../driver.js'
import { duplicateForSubscriptions, type Caller, type Client } from './connect.js'

/** Runs one bounded call (the driver's deadline and error mapping). */
export type RunCall = <T>(command: string, start: () => Promise<unknown>, parse: (reply: unknown) => T) => Promise<T>

interface Channel {
  readonly handlers: Set<MessageHandler>
  /** Settles when the server confirmed the SUBSCRIBE. */
  readonly active: Promise<void>
}

export class Subscriptions {
  private connection: Client | undefined
  private readonly channels = new Map<string, Channel>()

  constructor(
    private readonly source: Client,
    private readonly run: RunCall,
    private readonly onHandlerError: (error: unknown, channel: string) => void,
    private readonly closeConnection: (client: Client) => Promise<void>,
  ) {}

  /** Adds `handler` to `channel`; resolves once the server confirmed the subscription. */
  async add(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    const connection = this.connect()
    let entry = this.channels.get(channel)
    if (!entry) {
      const active = this.run('subscribe', () => caller(connection).call('subscribe', channel), () => undefined)
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
    let done = false
    return async () => {
      if (done) return
      done = true
      await this.remove(channel, entry, subscription)
    }
  }

  /** Drops every subscription and closes the connection. */
  async close(): Promise<void> {
    this.channels.clear()
    const connection = this.connection
    this.connection = undefined
    if (connection) await this.closeConnection(connection)
  }

  private connect(): Client {
    if (this.connection) return this.connection
    const connection = duplicateForSubscriptions(this.source)
    // Connection errors surface through the calls; the listener keeps ioredis from logging them.
    connection.on('error', () => undefined)
    connection.on('message', (channel: string, message: string) => this.deliver(channel, message))
    this.connection = connection
    return connection
  }

  private deliver(channel: string, message: string): void {
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
      this.onHandlerError(error, channel)
    } catch {
      // A failing error reporter must not take the connection's event loop down with it.
    }
  }

  /** Removes one handler; the last one out unsubscribes on the server (best effort). */
  private async remove(channel: string, entry: Channel, subscription: MessageHandler): Promise<void> {
    entry.handlers.delete(subscription)
    if (entry.handlers.size > 0 || this.channels.get(channel) !== entry) return
    this.channels.delete(channel)
    const connection = this.connection
    if (!connection) return
    // Messages for a channel without handlers are dropped, so a failed UNSUBSCRIBE only costs traffic.
    await this.run('unsubscribe', () => caller(connection).call('unsubscribe', channel), () => undefined).catch(() => undefined)
  }
}

function caller(client: Client): Caller {
  return client as unknown as Caller
}
