/**
 * `kit.channels`: typed publish/subscribe over the driver's pub/sub.
 *
 * Messages go through the kit's codec (superjson by default: Dates survive) and the
 * channel's schema on both ends. A subscriber never crashes on a bad message or a failing
 * handler: both are reported as events. Pub/sub is at-most-once: a subscriber that is
 * disconnected misses what is published meanwhile (the ioredis driver resubscribes by
 * itself after a reconnect), so keep state in Redis and use messages as hints.
 */
import type { Codec } from '../codec/codec.js'
import { ValidationError } from '../core/errors/index.js'
import { Emitter } from '../core/events.js'
import { describeIssues, validateStandard } from '../core/standard-validate.js'
import type { Driver, Unsubscribe } from '../drivers/driver.js'
import { toChannel, type Channel } from './define-channel.js'
import type { ChannelEvents } from './events.js'

/** What a handler learns besides the message. */
export interface MessageInfo {
  /** The channel's name (inside the kit's namespace). */
  readonly channel: string
}

/** A subscriber. May be async; a rejection is reported as a `handler-error` event. Its result is otherwise ignored. */
export type ChannelHandler<Message> = (message: Message, info: MessageInfo) => unknown

/** What the kit hands the channel service. @internal */
export interface ChannelsContext {
  readonly driver: Driver
  readonly prefix: string
  readonly codec: Codec
}

/** The pub/sub channels of a kit. */
export class Channels {
  /** Dropped messages and failing handlers. */
  readonly events = new Emitter<ChannelEvents>()
  private readonly active = new Set<Unsubscribe>()

  /** @internal Use `kit.channels`. */
  constructor(private readonly context: ChannelsContext) {}

  /**
   * Publishes `message` on `channel` (checked against its schema first). Resolves how
   * many subscribers received it, as far as the driver can tell.
   * @throws {ValidationError} for a message failing the schema or that the codec cannot encode.
   * @throws {DriverError} when Redis is unreachable.
   * @example await kit.channels.publish(notifications.of(userId), { id, text: 'New comment' })
   */
  async publish<Message, Input>(channel: Channel<Message, Input>, message: Input): Promise<number>
  async publish(channel: string, message: unknown): Promise<number>
  async publish(channel: Channel<unknown, unknown> | string, message: unknown): Promise<number> {
    const resolved = toChannel(channel)
    if (resolved.schema !== undefined) {
      const outcome = await validateStandard(resolved.schema, message)
      if (outcome.issues !== undefined)
        throw new ValidationError(
          `message for channel ${JSON.stringify(resolved.name)} fails its schema: ${describeIssues(outcome.issues)}`,
        )
    }
    return this.context.driver.publish(this.redisChannel(resolved.name), this.context.codec.encode(message))
  }

  /**
   * Calls `handler` with every valid message published on `channel` from now on, in
   * order; resolves once the subscription is active, with the function that ends it.
   * @throws {ValidationError} when `handler` is not a function.
   * @throws {DriverError} when Redis is unreachable.
   * @example
   * const stop = await kit.channels.subscribe(notifications.of(userId), (note) => socket.send(note.text))
   * await stop()
   */
  async subscribe<Message, Input>(channel: Channel<Message, Input>, handler: ChannelHandler<Message>): Promise<Unsubscribe>
  async subscribe(channel: string, handler: ChannelHandler<unknown>): Promise<Unsubscribe>
  async subscribe(channel: Channel<unknown, unknown> | string, handler: ChannelHandler<unknown>): Promise<Unsubscribe> {
    const resolved = toChannel(channel)
    if (typeof handler !== 'function') throw new ValidationError('subscribe needs a handler function')
    const info: MessageInfo = Object.freeze({ channel: resolved.name })
    // Messages are checked one after another, so an async schema cannot reorder them.
    let tail = Promise.resolve()
    const unsubscribeDriver = await this.context.driver.subscribe(this.redisChannel(resolved.name), (raw) => {
      tail = tail.then(() => this.deliver(resolved, raw, handler, info))
    })
    let done = false
    const unsubscribe: Unsubscribe = async () => {
      if (done) return
      done = true
      this.active.delete(unsubscribe)
      await unsubscribeDriver()
    }
    this.active.add(unsubscribe)
    return unsubscribe
  }

  /** Ends every subscription. @internal Called by `kit.close()`. */
  async close(): Promise<void> {
    await Promise.all([...this.active].map((unsubscribe) => unsubscribe().catch(() => undefined)))
  }

  private redisChannel(name: string): string {
    return `${this.context.prefix}__ch:${name}`
  }

  private async deliver(
    channel: Channel<unknown, unknown>,
    raw: string,
    handler: ChannelHandler<unknown>,
    info: MessageInfo,
  ): Promise<void> {
    let message: unknown
    try {
      message = this.context.codec.decode(raw)
    } catch (error) {
      this.events.emit('invalid', { channel: channel.name, reason: 'corrupt', error })
      return
    }
    if (channel.schema !== undefined) {
      const outcome = await validateStandard(channel.schema, message)
      if (outcome.issues !== undefined) {
        this.events.emit('invalid', { channel: channel.name, reason: 'schema', issues: outcome.issues })
        return
      }
      message = outcome.value
    }
    try {
      const result = handler(message, info)
      if (result !== undefined)
        Promise.resolve(result).catch((error: unknown) => this.events.emit('handler-error', { channel: channel.name, error }))
    } catch (error) {
      this.events.emit('handler-error', { channel: channel.name, error })
    }
  }
}
