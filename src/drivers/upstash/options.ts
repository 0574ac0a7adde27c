import { Redis } from '@upstash/redis'
import { failOption } from '../validate.js'

/** Options every form of {@link upstashDriver} accepts. */
export interface UpstashDriverCommonOptions {
  /**
   * How long one driver call may take, in milliseconds, before it rejects with
   * `DriverTimeoutError`. One call is one HTTPS request (a script whose cache was
   * flushed makes two, within the same budget). Same-region Upstash answers in a few
   * milliseconds; 500 ms leaves room for a cold TLS connection across regions while a
   * hung database costs a request at most half a second.
   * @default 500
   * @example upstashDriver({ url, token, commandTimeoutMs: 250 })
   */
  commandTimeoutMs?: number
  /**
   * Called when a subscriber's handler throws. The error never reaches `publish` and
   * never ends the subscription.
   * @default logs with console.error
   */
  onHandlerError?: (error: unknown, channel: string) => void
}

/** {@link upstashDriver} creating its own client from the database's REST credentials. */
export interface UpstashDriverUrlOptions extends UpstashDriverCommonOptions {
  /** The database's REST URL (`UPSTASH_REDIS_REST_URL`), `https://...`. */
  url: string
  /** The REST token (`UPSTASH_REDIS_REST_TOKEN`). Never appears in errors. */
  token: string
  client?: never
}

/**
 * {@link upstashDriver} over a client you created. The driver never closes it. It must be
 * created with `automaticDeserialization: false`: cachekit stores its own serialized
 * strings, and the client's JSON parsing would turn the stored string `"123"` into a
 * number. Its retry, timeout (`signal`) and auto-pipelining settings are kept as they are.
 * @example upstashDriver({ client: new Redis({ url, token, automaticDeserialization: false }) })
 */
export interface UpstashDriverClientOptions extends UpstashDriverCommonOptions {
  client: Redis
  url?: never
  token?: never
}

/** Options of {@link upstashDriver}. */
export type UpstashDriverOptions = UpstashDriverUrlOptions | UpstashDriverClientOptions

/** The defaults of {@link UpstashDriverCommonOptions}. */
export const UPSTASH_DRIVER_DEFAULTS = Object.freeze({ commandTimeoutMs: 500 })

/** Options resolved: a client, the timeout, and the strings errors must never show. */
export interface ResolvedUpstashOptions {
  redis: Redis
  commandTimeoutMs: number
  onHandlerError: (error: unknown, channel: string) => void
  secrets: readonly string[]
}

/** Validates options and creates the client when given credentials. */
export function resolveOptions(options: UpstashDriverOptions): ResolvedUpstashOptions {
  if (typeof options !== 'object' || options === null) failOption('upstashDriver: pass { url, token } or { client }')
  const commandTimeoutMs = options.commandTimeoutMs ?? UPSTASH_DRIVER_DEFAULTS.commandTimeoutMs
  if (!(Number.isSafeInteger(commandTimeoutMs) && commandTimeoutMs > 0)) {
    failOption(`upstashDriver: commandTimeoutMs must be a positive integer, got ${String(commandTimeoutMs)}`)
  }
  if (options.onHandlerError !== undefined && typeof options.onHandlerError !== 'function')
    failOption('upstashDriver: onHandlerError must be a function')
  const onHandlerError =
    options.onHandlerError ??
    ((error: unknown, channel: string) => console.error(`cachekit upstash driver: subscriber of ${channel} threw`, error))

  if (options.client !== undefined) {
    if (options.url !== undefined || options.token !== undefined)
      failOption('upstashDriver: pass either { client } or { url, token }, not both')
    assertUsableClient(options.client)
    return { redis: options.client, commandTimeoutMs, onHandlerError, secrets: [] }
  }
  const { url, token } = options
  if (typeof url !== 'string' || !isHttpUrl(url)) failOption('upstashDriver: url must be the database REST URL (https://...)')
  if (typeof token !== 'string' || token.trim() === '') failOption('upstashDriver: token must be the non-empty REST token')
  const redis = new Redis({
    url,
    token,
    automaticDeserialization: false,
    // A failed request is reported at once: the caller's failure policy (and circuit
    // breaker) decides about retries, and a blind retry could apply an INCRBY twice.
    retry: { retries: 0 },
    // Aborting frees the connection of a request that timed out; a fresh signal per request.
    signal: () => AbortSignal.timeout(commandTimeoutMs),
  })
  return { redis, commandTimeoutMs, onHandlerError, secrets: [token] }
}

function assertUsableClient(client: unknown): asserts client is Redis {
  const candidate = client as {
    get?: unknown
    evalsha?: unknown
    subscribe?: unknown
    opts?: { automaticDeserialization?: boolean }
  } | null
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.get !== 'function' ||
    typeof candidate.evalsha !== 'function'
  ) {
    failOption('upstashDriver: client must be a Redis instance from @upstash/redis')
  }
  if (candidate.opts?.automaticDeserialization !== false) {
    failOption(
      'upstashDriver: create the client with automaticDeserialization: false; cachekit serializes values itself, ' +
        'and the client would parse the stored string "123" into a number',
    )
  }
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url)
    return protocol === 'https:' || protocol === 'http:'
  } catch {
    return false
  }
}
