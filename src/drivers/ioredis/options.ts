/** Options of `ioredisDriver`, their defaults, and the one place they are checked. */
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis'
import { failOption } from '../validate.js'
import type { HeartbeatOptions } from './heartbeat.js'

/** Options every form of {@link IoredisDriverOptions} accepts. */
export interface IoredisCommonOptions {
  /**
   * Longest a call may wait for the server, in milliseconds. Every call (a scan: each
   * batch; a multi-slot call on a cluster: all its slots together) rejects with
   * `DriverTimeoutError` after it, so a hung Redis costs a request at most this long.
   * The command may still run on the server.
   * @default 500
   * @example ioredisDriver({ url, commandTimeoutMs: 250 })
   */
  commandTimeoutMs?: number
  /**
   * Longest the TCP connect to a node may take, in milliseconds (ioredis `connectTimeout`).
   * Applies to connections the driver creates; refused together with `client`.
   * @default 2000
   */
  connectTimeoutMs?: number
  /**
   * Called when a subscriber's handler throws. The error never reaches the connection.
   * @default logs with console.error
   */
  onHandlerError?: (error: unknown, channel: string) => void
  /**
   * How often, in milliseconds, the driver proves that its subscriber connection still
   * delivers: it publishes a beat on a channel of its own, which must come back within
   * 1.5 times this (it is judged on the next beat, so a hang is seen within about 3 intervals). A connection that closes is noticed at once; the beat notices one that
   * stays open but carries nothing (a hung network, a stopped server, a dead Cluster
   * node). Subscribers then hear `'interrupted'` through `onStatus`, so the cache bus
   * stops trusting L1 copies. Costs one PUBLISH per interval while anything is
   * subscribed. `false` relies on connection events alone.
   * @default 1000
   */
  subscriptionHeartbeatMs?: number | false
}

/** Connect to one Redis server by URL; the driver owns (and closes) the connection. */
export interface IoredisUrlOptions extends IoredisCommonOptions {
  /**
   * `redis://[user:password@]host:port[/db]` or `rediss://...` for TLS. Credentials never
   * appear in error messages.
   * @example ioredisDriver({ url: 'redis://localhost:6379' })
   */
  url: string
  /** Extra ioredis options; they override the driver's defaults (auto-pipelining, retries). */
  redisOptions?: RedisOptions
}

/** Use a client you own: the driver never closes it and never changes its options. */
export interface IoredisClientOptions extends IoredisCommonOptions {
  /**
   * A connected (or connecting) `Redis` or `Cluster` from ioredis 5 or 6. It must not use
   * `keyPrefix` (give cachekit a `prefix` instead) or `stringNumbers`.
   * @example ioredisDriver({ client: new Redis(url) })
   */
  client: Redis | Cluster
}

/** Connect to a Redis Cluster; the driver owns (and closes) the connections. */
export interface IoredisClusterOptions extends IoredisCommonOptions {
  /**
   * Startup nodes: at least one reachable master or replica; the rest are discovered.
   * @example ioredisDriver({ cluster: [{ host: '10.0.0.1', port: 7000 }] })
   */
  cluster: ReadonlyArray<{ host: string; port: number } | string>
  /** Extra ioredis Cluster options; they override the driver's defaults. */
  clusterOptions?: ClusterOptions
}

/** Options of `ioredisDriver`: exactly one of `url`, `client` or `cluster`. */
export type IoredisDriverOptions = IoredisUrlOptions | IoredisClientOptions | IoredisClusterOptions

/** The defaults, in one place. */
export const IOREDIS_DEFAULTS = Object.freeze({
  commandTimeoutMs: 500,
  connectTimeoutMs: 2000,
  subscriptionHeartbeatMs: 1000,
})

/** Where the driver's connection comes from, after validation. */
export type ConnectionSource =
  | { kind: 'url'; url: string; redisOptions: RedisOptions }
  | { kind: 'client'; client: Redis | Cluster }
  | { kind: 'cluster'; nodes: Array<{ host: string; port: number } | string>; clusterOptions: ClusterOptions }

/** Validated options with defaults applied. */
export interface ResolvedIoredisOptions {
  source: ConnectionSource
  commandTimeoutMs: number
  connectTimeoutMs: number
  onHandlerError: (error: unknown, channel: string) => void
  subscriptionHeartbeat: HeartbeatOptions | undefined
}

/** Largest delay `setTimeout` honours. */
const MAX_TIMER_MS = 2_147_483_647

/** Checks `options` and applies the defaults; throws `ValidationError` on anything wrong. */
export function resolveOptions(options: unknown): ResolvedIoredisOptions {
  if (typeof options !== 'object' || options === null) failOption('ioredisDriver: options must be an object with url, client or cluster')
  const given = options as Record<string, unknown>
  const sources = (['url', 'client', 'cluster'] as const).filter((name) => given[name] !== undefined)
  if (sources.length !== 1) {
    failOption(`ioredisDriver: pass exactly one of url, client or cluster${sources.length > 1 ? `, got ${sources.join(' and ')}` : ''}`)
  }
  const source = resolveSource(sources[0] as 'url' | 'client' | 'cluster', given)
  if (source.kind === 'client' && given.connectTimeoutMs !== undefined) {
    failOption('ioredisDriver: connectTimeoutMs has no effect on a client you pass in; set connectTimeout on that client')
  }
  if (given.onHandlerError !== undefined && typeof given.onHandlerError !== 'function') {
    failOption('ioredisDriver: onHandlerError must be a function')
  }
  return {
    source,
    commandTimeoutMs: timeout(given.commandTimeoutMs, 'commandTimeoutMs', IOREDIS_DEFAULTS.commandTimeoutMs),
    connectTimeoutMs: timeout(given.connectTimeoutMs, 'connectTimeoutMs', IOREDIS_DEFAULTS.connectTimeoutMs),
    onHandlerError: (given.onHandlerError as ResolvedIoredisOptions['onHandlerError'] | undefined) ?? logHandlerError,
    subscriptionHeartbeat: heartbeat(given.subscriptionHeartbeatMs),
  }
}

function resolveSource(kind: 'url' | 'client' | 'cluster', given: Record<string, unknown>): ConnectionSource {
  if (kind !== 'url' && given.redisOptions !== undefined) failOption('ioredisDriver: redisOptions only applies with url')
  if (kind !== 'cluster' && given.clusterOptions !== undefined) failOption('ioredisDriver: clusterOptions only applies with cluster')
  if (kind === 'url') {
    const redisOptions = plainObject(given.redisOptions, 'redisOptions') as RedisOptions
    assertSupported(redisOptions, 'redisOptions')
    return { kind, url: checkUrl(given.url), redisOptions }
  }
  if (kind === 'client') return { kind, client: checkClient(given.client) }
  const clusterOptions = plainObject(given.clusterOptions, 'clusterOptions') as ClusterOptions
  assertSupported(clusterOptions, 'clusterOptions')
  assertSupported(clusterOptions.redisOptions, 'clusterOptions.redisOptions')
  return { kind, nodes: checkNodes(given.cluster), clusterOptions }
}

/** The message names the problem, never the URL itself: it may hold a password. */
function checkUrl(url: unknown): string {
  if (typeof url !== 'string' || url.length === 0) failOption('ioredisDriver: url must be a non-empty string')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return failOption('ioredisDriver: url is not a valid URL (expected redis://host:port)')
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    failOption(`ioredisDriver: url must start with redis:// or rediss://, got ${parsed.protocol}//`)
  }
  return url
}

function checkClient(client: unknown): Redis | Cluster {
  const candidate = client as Partial<Record<'call' | 'duplicate' | 'quit' | 'status' | 'options', unknown>> | null
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.call !== 'function' ||
    typeof candidate.duplicate !== 'function' ||
    typeof candidate.status !== 'string'
  ) {
    failOption('ioredisDriver: client must be an ioredis Redis or Cluster instance')
  }
  const options = (candidate.options ?? {}) as RedisOptions & ClusterOptions
  assertSupported(options, 'client')
  assertSupported(options.redisOptions, 'client redisOptions')
  return client as Redis | Cluster
}

function checkNodes(nodes: unknown): Array<{ host: string; port: number } | string> {
  if (!Array.isArray(nodes) || nodes.length === 0)
    failOption('ioredisDriver: cluster must be a non-empty array of { host, port } or "host:port"')
  return nodes.map((node: unknown, index) => {
    if (typeof node === 'string') {
      if (!/^\S+:\d{1,5}$/.test(node)) failOption(`ioredisDriver: cluster[${index}] must look like "host:port"`)
      return node
    }
    const { host, port } = (node ?? {}) as { host?: unknown; port?: unknown }
    if (typeof host !== 'string' || host.length === 0) failOption(`ioredisDriver: cluster[${index}].host must be a non-empty string`)
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      failOption(`ioredisDriver: cluster[${index}].port must be an integer from 1 to 65535`)
    }
    return { host, port }
  })
}

/**
 * A key prefix would apply to commands but not to the keys SCAN returns, and string
 * numbers make integer script replies indistinguishable from strings.
 */
function assertSupported(options: (RedisOptions & ClusterOptions) | undefined, where: string): void {
  if (!options) return
  if (typeof options.keyPrefix === 'string' && options.keyPrefix.length > 0) {
    failOption(`ioredisDriver: ${where} uses keyPrefix, which cachekit cannot honour in scans; use createCachekit({ prefix }) instead`)
  }
  if (options.stringNumbers) {
    failOption(
      `ioredisDriver: ${where} uses stringNumbers: true; pass a client without it (e.g. client.duplicate({ stringNumbers: false }))`,
    )
  }
}

function plainObject(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) failOption(`ioredisDriver: ${name} must be an object`)
  return value as Record<string, unknown>
}

function heartbeat(value: unknown): HeartbeatOptions | undefined {
  if (value === false) return undefined
  const intervalMs = timeout(value, 'subscriptionHeartbeatMs', IOREDIS_DEFAULTS.subscriptionHeartbeatMs)
  return { intervalMs, timeoutMs: Math.round(intervalMs * 1.5) }
}

function timeout(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
    failOption(`ioredisDriver: ${name} must be a positive number of milliseconds up to ${MAX_TIMER_MS}, got ${String(value)}`)
  }
  return value
}

function logHandlerError(error: unknown, channel: string): void {
  console.error(`cachekit ioredis driver: subscriber of ${channel} threw`, error)
}
