/**
 * One SUBSCRIBE over Upstash's Server-Sent Events endpoint (`POST /subscribe/<channel>`),
 * through the client's own `Subscriber`, which holds one streaming request per channel.
 */
import type { Redis } from '@upstash/redis'
import type { MessageHandler } from '../driver.js'

/** A subscription being opened or open. */
export interface Subscription {
  /** Resolves when the server confirms the subscription; rejects if the request fails. */
  readonly ready: Promise<void>
  /** Stops delivery at once and aborts the stream. Idempotent. */
  close(): void
}

/**
 * Opens a subscription to `channel`. `handler` errors go to `onHandlerError`, because a
 * throw inside the client's stream reader would end the stream.
 */
export function openSubscription(
  redis: Redis,
  channel: string,
  handler: MessageHandler,
  onHandlerError: (error: unknown, channel: string) => void,
): Subscription {
  // The client joins the channel into the URL path unescaped; '/', '?', '#' or '%' would
  // change the request, so it gets the percent-encoded name and the server decodes it.
  const subscriber = redis.subscribe<string>(encodeURIComponent(channel))
  const prefix = `${channel},`
  let active = true

  subscriber.on('message', (event) => {
    if (!active) return
    // Events read `message,<channel>,<text>` and the client splits at the first two
    // commas, so a channel containing a comma leaks into the text: rejoin, then cut the
    // channel we know.
    const joined = `${event.channel},${String(event.message)}`
    const message = joined.startsWith(prefix) ? joined.slice(prefix.length) : String(event.message)
    try {
      handler(message, channel)
    } catch (error) {
      onHandlerError(error, channel)
    }
  })
  const ready = new Promise<void>((resolve, reject) => {
    subscriber.on('subscribe', () => resolve())
    subscriber.on('error', (error) => reject(error))
  })
  // A subscription that fails after close, or after the caller gave up, must not be unhandled.
  ready.catch(() => undefined)

  return {
    ready,
    close() {
      if (!active) return
      active = false
      subscriber.unsubscribe().catch(() => undefined)
    },
  }
}
