/**
 * One SUBSCRIBE over Upstash's Server-Sent Events endpoint (`POST /subscribe/<channel>`).
 *
 * The client's own `Subscriber` reads the stream in a detached loop: when the stream
 * ends or breaks, it logs and stops, and nobody is told, so messages published afterwards
 * are silently lost. This module reads the stream itself, with the client's endpoint and
 * headers, so it knows when the stream ends: it tells `onStatus` that delivery was
 * interrupted, reopens it with backoff, and says `'active'` once the server confirms the
 * new subscription. (For a client whose endpoint cannot be read, it falls back to the
 * client's Subscriber, which cannot report gaps.)
 */
import type { Redis } from '@upstash/redis'
import type { MessageHandler, SubscriptionStatus } from '../driver.js'

/** A subscription being opened or open. */
export interface Subscription {
  /** Resolves when the server confirms the subscription; rejects if the first stream fails. */
  readonly ready: Promise<void>
  /** Stops delivery at once and aborts the stream. Idempotent. */
  close(): void
}

/** Reopen delays after a stream ended: 250 ms doubling to 5 s. */
const REOPEN_MIN_MS = 250
const REOPEN_MAX_MS = 5_000

/** Where the client sends its requests (its HTTP client's public fields). */
interface Endpoint {
  readonly baseUrl: string
  readonly headers: Readonly<Record<string, string>>
}

/**
 * Opens a subscription to `channel`. `handler` errors go to `onHandlerError`, because a
 * throw inside the stream reader would end the stream.
 */
export function openSubscription(
  redis: Redis,
  channel: string,
  handler: MessageHandler,
  onHandlerError: (error: unknown, channel: string) => void,
  onStatus: ((status: SubscriptionStatus) => void) | undefined,
): Subscription {
  const endpoint = endpointOf(redis)
  if (endpoint === undefined) return clientSubscription(redis, channel, handler, onHandlerError)
  let active = true
  let reopenMs = REOPEN_MIN_MS
  let timer: ReturnType<typeof setTimeout> | undefined
  let stream = openStream(endpoint, channel, deliver, ended)

  function deliver(message: string): void {
    if (!active) return
    try {
      handler(message, channel)
    } catch (error) {
      onHandlerError(error, channel)
    }
  }

  function ended(): void {
    if (!active) return
    tell('interrupted')
    scheduleReopen()
  }

  function scheduleReopen(): void {
    if (timer !== undefined) return
    timer = setTimeout(() => {
      timer = undefined
      if (!active) return
      stream = openStream(endpoint as Endpoint, channel, deliver, ended)
      stream.ready.then(
        () => {
          reopenMs = REOPEN_MIN_MS
          if (active) tell('active')
        },
        () => {
          reopenMs = Math.min(reopenMs * 2, REOPEN_MAX_MS)
        },
      )
    }, reopenMs)
    ;(timer as { unref?: () => void }).unref?.()
  }

  function tell(status: SubscriptionStatus): void {
    try {
      onStatus?.(status)
    } catch (error) {
      onHandlerError(error, channel)
    }
  }

  return {
    ready: stream.ready,
    close() {
      if (!active) return
      active = false
      if (timer !== undefined) clearTimeout(timer)
      stream.abort()
    },
  }
}

/**
 * One stream. `ready` settles with the server's `subscribe` event (or the failure before
 * it); `onEnd` runs once when a confirmed stream ends for any reason but `abort()`.
 */
function openStream(
  endpoint: Endpoint,
  channel: string,
  onMessage: (message: string) => void,
  onEnd: () => void,
): { ready: Promise<void>; abort(): void } {
  const controller = new AbortController()
  let confirm!: () => void
  let refuse!: (error: unknown) => void
  const ready = new Promise<void>((resolve, reject) => {
    confirm = resolve
    refuse = reject
  })
  ready.catch(() => undefined)
  let confirmed = false
  const prefix = `${channel},`
  const read = async (): Promise<void> => {
    // The channel goes into the URL path: percent-encoded, so '/', '?', '#' or '%' cannot change the request.
    const response = await fetch(`${endpoint.baseUrl}/subscribe/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { ...endpoint.headers, Accept: 'text/event-stream', 'Cache-Control': 'no-cache' },
      signal: controller.signal,
    })
    if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}: ${await errorText(response)}`)
    const reader = response.body.getReader()
    const decoder = new TextDecoder()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        if (!line.startsWith('data: ')) continue
        const data = line.slice(6)
        if (data.startsWith('subscribe,')) {
          confirmed = true
          confirm()
        } else if (data.startsWith('message,')) {
          // `message,<channel>,<text>`: cut the channel we know (it may contain commas).
          const rest = data.slice('message,'.length)
          onMessage(rest.startsWith(prefix) ? rest.slice(prefix.length) : rest.slice(rest.indexOf(',') + 1))
        }
      }
    }
  }
  read().then(
    () => {
      if (!confirmed) refuse(new Error('the subscribe stream ended before the server confirmed it'))
      else if (!controller.signal.aborted) onEnd()
    },
    (error: unknown) => {
      if (!confirmed) refuse(error)
      else if (!controller.signal.aborted) onEnd()
    },
  )
  return { ready, abort: () => controller.abort() }
}

/** The client's endpoint and headers, when its HTTP client exposes them. */
function endpointOf(redis: Redis): Endpoint | undefined {
  const http = (redis as unknown as { client?: { baseUrl?: unknown; headers?: unknown } }).client
  if (typeof http?.baseUrl !== 'string' || http.baseUrl === '' || typeof http.headers !== 'object' || http.headers === null)
    return undefined
  return { baseUrl: http.baseUrl, headers: http.headers as Record<string, string> }
}

/** The client's own Subscriber: delivers, but cannot say when its stream ended. */
function clientSubscription(
  redis: Redis,
  channel: string,
  handler: MessageHandler,
  onHandlerError: (error: unknown, channel: string) => void,
): Subscription {
  const subscriber = redis.subscribe<string>(encodeURIComponent(channel))
  const prefix = `${channel},`
  let active = true
  subscriber.on('message', (event) => {
    if (!active) return
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

/** The `error` of an Upstash error body, or the body itself. */
async function errorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const { error } = JSON.parse(text) as { error?: unknown }
    return typeof error === 'string' ? error : text
  } catch {
    return text
  }
}
