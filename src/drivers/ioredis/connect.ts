/** Creating (or adopting) the ioredis connections the driver talks through. */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import type { ResolvedIoredisOptions } from './options.js'

/** Either kind of ioredis client. */
export type Client = Redis | Cluster

/** The slice of a client's command interface the driver uses (same on Redis and Cluster). */
export interface Caller {
  call(command: string, ...args: Array<string | number>): Promise<unknown>
}

/** The driver's connection: the client, whether the driver owns it, and what must never be printed. */
export interface Connection {
  readonly client: Client
  readonly caller: Caller
  /** True when the driver created the client (and so closes it). */
  readonly owned: boolean
  readonly isCluster: boolean
  /** Passwords that error messages must not contain. */
  readonly secrets: readonly string[]
}

/** Opens the connection `options` describe, or adopts the user's client. */
export function openConnection(options: ResolvedIoredisOptions): Connection {
  const { source } = options
  if (source.kind === 'client') {
    const client = source.client
    return describe(client, false, secretsOf(client))
  }
  if (source.kind === 'url') {
    const client = new Redis(source.url, { ...ownedRedisDefaults(options.connectTimeoutMs), ...source.redisOptions })
    return describe(client, true, [...passwordInUrl(source.url), ...secretsOf(client)])
  }
  const clusterOptions: ClusterOptions = {
    enableAutoPipelining: true,
    clusterRetryStrategy: reconnectDelayMs,
    ...source.clusterOptions,
    redisOptions: { connectTimeout: options.connectTimeoutMs, ...source.clusterOptions.redisOptions },
  }
  const client = new Cluster(source.nodes, clusterOptions)
  return describe(client, true, secretsOf(client))
}

/**
 * A connection for SUBSCRIBE, which takes a connection over: same server and credentials,
 * always owned by the driver. It reconnects with backoff and re-subscribes by itself.
 */
export function duplicateForSubscriptions(client: Client): Client {
  if (isCluster(client)) return client.duplicate([], { enableAutoPipelining: false, lazyConnect: false })
  return client.duplicate({
    enableAutoPipelining: false,
    lazyConnect: false,
    enableOfflineQueue: true,
    autoResubscribe: true,
    retryStrategy: reconnectDelayMs,
    maxRetriesPerRequest: 1,
  })
}

/**
 * Reconnect backoff: ioredis's own schedule (50 ms more per attempt, to a 2 s cap), so a
 * restarted server is found as soon as a raw ioredis client finds it, plus up to 10 %
 * jitter so many processes do not reconnect in lockstep. (A doubling backoff found a
 * server that was back after 340 ms only at 750 ms.) Never gives up: the driver fails
 * calls fast while it waits.
 */
export function reconnectDelayMs(attempt: number): number {
  const delay = Math.min(50 * attempt, 2000)
  return delay + Math.floor(Math.random() * delay * 0.1)
}

/** True for an ioredis Cluster (duck-typed, so two installed copies of ioredis still work). */
export function isCluster(client: Client): client is Cluster {
  return (client as { isCluster?: unknown }).isCluster === true
}

/**
 * Defaults for connections the driver creates. Auto-pipelining batches concurrent calls
 * into one write; maxRetriesPerRequest 0 fails the calls in flight when a connection
 * drops instead of replaying them (an INCRBY must not run twice), and the driver refuses
 * new calls fast while reconnecting.
 */
function ownedRedisDefaults(connectTimeoutMs: number): RedisOptions {
  return {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectDelayMs,
    connectTimeout: connectTimeoutMs,
  }
}

function describe(client: Client, owned: boolean, secrets: string[]): Connection {
  return {
    client,
    caller: client as unknown as Caller,
    owned,
    isCluster: isCluster(client),
    secrets: secrets.filter((secret) => secret.length > 0),
  }
}

function secretsOf(client: Client): string[] {
  const options = (client.options ?? {}) as RedisOptions & ClusterOptions
  return [options.password, options.redisOptions?.password].filter((secret): secret is string => typeof secret === 'string')
}

function passwordInUrl(url: string): string[] {
  try {
    const { password } = new URL(url)
    return password ? [password, decodeURIComponent(password)] : []
  } catch {
    return []
  }
}
