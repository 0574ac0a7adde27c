import type { Cluster, Redis } from 'ioredis'
import { Deadlines } from '../../core/deadline.js'
import { CrossSlotError, DriverClosedError, DriverTimeoutError, ValidationError } from '../../core/errors/index.js'
import { assertScriptKeys, evalWithFallback, type Script, type ScoredMember, type ScriptTransport } from '../../core/script.js'
import { groupBySlot, hashSlot, sameSlot } from '../../core/slot.js'
import type {
  Driver,
  DriverCapabilities,
  MessageHandler,
  ScanOptions,
  SetOptions,
  SubscribeOptions,
  Unsubscribe,
  ZRangeByScoreOptions,
  ZRangeOptions,
} from '../driver.js'
import * as check from '../validate.js'
import { openConnection, type Caller, type Client, type Connection } from './connect.js'
import { connectionDownError, createRedactor, DRIVER_NAME, toDriverError, topologyError, type Redact } from './errors.js'
import { literalTagSlot } from './hash-tag.js'
import { resolveOptions, type IoredisDriverOptions } from './options.js'
import { nodeKey, Reconnects } from './reconnects.js'
import * as reply from './replies.js'
import { Subscriptions } from './subscriptions.js'

/**
 * The Redis driver for Node servers: one Redis server (`{ url }`), a Redis Cluster
 * (`{ cluster }`), or an ioredis client you own (`{ client }`, never closed by the driver).
 *
 * Every call is bounded by `commandTimeoutMs`; while the connection is known to be down,
 * calls fail at once with `DriverError` instead of queueing. Scripts run with EVALSHA and
 * fall back to EVAL when the server lost them. On a cluster, MGET/DEL/EXISTS are split
 * per slot, multi-key scripts must share a `{hash tag}`, and SCAN visits every master.
 *
 * @example
 * const driver = ioredisDriver({ url: 'redis://localhost:6379', commandTimeoutMs: 300 })
 */
export function ioredisDriver(options: IoredisDriverOptions): Driver {
  return new IoredisDriver(options)
}

/** Statuses in which ioredis cannot send: failing fast beats queueing behind a reconnect. */
const DOWN_STATUSES = new Set(['close', 'reconnecting', 'end', 'disconnecting'])

class IoredisDriver implements Driver {
  readonly name = DRIVER_NAME
  readonly capabilities: DriverCapabilities
  private readonly connection: Connection
  private readonly client: Caller
  private readonly timeoutMs: number
  private readonly deadlines = new Deadlines()
  private readonly redact: Redact
  private readonly subscriptions: Subscriptions
  private readonly scripts: ScriptTransport
  private readonly reconnects: Reconnects
  private lastConnectionError: unknown
  private closed = false
  /** On a cluster, the master that owns a key's slot now (for per-node circuits). */
  readonly nodeOf: ((key: string) => string | undefined) | undefined
  private closing: Promise<void> | undefined

  constructor(options: IoredisDriverOptions) {
    const resolved = resolveOptions(options)
    this.timeoutMs = resolved.commandTimeoutMs
    this.connection = openConnection(resolved)
    this.client = this.connection.caller
    this.redact = createRedactor(this.connection.secrets)
    this.capabilities = Object.freeze({ cluster: this.connection.isCluster, pubsub: true, scripting: 'lua' })
    // Only our own client gets a listener: it keeps ioredis from logging every failed
    // reconnect, and the last error makes our messages say why the connection is down.
    if (this.connection.owned) this.connection.client.on('error', (error: unknown) => (this.lastConnectionError = error))
    this.subscriptions = new Subscriptions({
      source: this.connection.client,
      run: this.run,
      onHandlerError: resolved.onHandlerError,
      closeConnection: (client) => this.quit(client),
      publish: (channel, message) => (this.closed ? Promise.resolve() : this.publish(channel, message)),
      heartbeat: resolved.subscriptionHeartbeat,
    })
    this.reconnects = new Reconnects(this.connection.client)
    const cluster = this.connection.isCluster ? (this.connection.client as Cluster) : undefined
    this.nodeOf = cluster === undefined ? undefined : (key) => cluster.slots[hashSlot(key)]?.[0]
    this.scripts = {
      evalsha: (sha1, keys, args) => this.client.call('evalsha', sha1, keys.length, ...keys, ...args),
      eval: (lua, keys, args) => this.client.call('eval', lua, keys.length, ...keys, ...args),
    }
  }

  async get(key: string): Promise<string | null> {
    this.open('get')
    check.assertKey(key)
    return this.run('get', () => this.client.call('get', key), reply.toNullableString)
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    this.open('mget')
    check.assertKeys(keys)
    if (keys.length === 0) return []
    return this.perSlot('mget', keys, reply.toNullableStrings, (parts) => {
      const values: (string | null)[] = new Array<string | null>(keys.length).fill(null)
      for (const [indexes, part] of parts) indexes.forEach((index, i) => (values[index] = part[i] ?? null))
      return values
    })
  }

  async set(key: string, value: string, options?: SetOptions): Promise<boolean> {
    this.open('set')
    check.assertKey(key)
    check.assertValue(value)
    const ttlMs = check.normalizeSetOptions(options)
    const args: Array<string | number> = [key, value]
    if (ttlMs !== undefined) args.push('PX', ttlMs)
    if (options?.nx) args.push('NX')
    if (options?.xx) args.push('XX')
    if (options?.keepTtl) args.push('KEEPTTL')
    return this.run(
      'set',
      () => this.client.call('set', ...args),
      (written) => written !== null && written !== undefined,
    )
  }

  async del(keys: readonly string[]): Promise<number> {
    this.open('del')
    check.assertKeys(keys)
    if (keys.length === 0) return 0
    // UNLINK frees big values off the server's main thread; its reply is DEL's.
    return this.perSlot('unlink', keys, reply.toInteger, sum)
  }

  async exists(keys: readonly string[]): Promise<number> {
    this.open('exists')
    check.assertKeys(keys)
    if (keys.length === 0) return 0
    return this.perSlot('exists', keys, reply.toInteger, sum)
  }

  async pttl(key: string): Promise<number> {
    this.open('pttl')
    check.assertKey(key)
    return this.run('pttl', () => this.client.call('pttl', key), reply.toInteger)
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    this.open('expire')
    check.assertKey(key)
    const ms = check.normalizeTtl(ttlMs)
    return this.run('expire', () => this.client.call('pexpire', key, ms), reply.toBoolean)
  }

  async persist(key: string): Promise<boolean> {
    this.open('persist')
    check.assertKey(key)
    return this.run('persist', () => this.client.call('persist', key), reply.toBoolean)
  }

  async incrBy(key: string, by: number): Promise<number> {
    this.open('incrBy')
    check.assertKey(key)
    check.assertIncrement(by)
    return this.run('incrBy', () => this.client.call('incrby', key, by), reply.toInteger)
  }

  async hget(key: string, field: string): Promise<string | null> {
    this.open('hget')
    check.assertKey(key)
    check.assertValue(field, 'field')
    return this.run('hget', () => this.client.call('hget', key, field), reply.toNullableString)
  }

  async hmget(key: string, fields: readonly string[]): Promise<(string | null)[]> {
    this.open('hmget')
    check.assertKey(key)
    check.assertValues(fields, 'fields')
    if (fields.length === 0) return []
    return this.run('hmget', () => this.client.call('hmget', key, ...fields), reply.toNullableStrings)
  }

  async hset(key: string, fields: Readonly<Record<string, string>>): Promise<number> {
    this.open('hset')
    check.assertKey(key)
    check.assertFields(fields)
    const flat = Object.entries(fields).flat()
    if (flat.length === 0) return 0
    return this.run('hset', () => this.client.call('hset', key, ...flat), reply.toInteger)
  }

  async hdel(key: string, fields: readonly string[]): Promise<number> {
    this.open('hdel')
    check.assertKey(key)
    check.assertValues(fields, 'fields')
    if (fields.length === 0) return 0
    return this.run('hdel', () => this.client.call('hdel', key, ...fields), reply.toInteger)
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    this.open('hgetall')
    check.assertKey(key)
    return this.run('hgetall', () => this.client.call('hgetall', key), reply.toHash)
  }

  async hincrBy(key: string, field: string, by: number): Promise<number> {
    this.open('hincrBy')
    check.assertKey(key)
    check.assertValue(field, 'field')
    check.assertIncrement(by)
    return this.run('hincrBy', () => this.client.call('hincrby', key, field, by), reply.toInteger)
  }

  async sadd(key: string, members: readonly string[]): Promise<number> {
    this.open('sadd')
    check.assertKey(key)
    check.assertValues(members, 'members')
    if (members.length === 0) return 0
    return this.run('sadd', () => this.client.call('sadd', key, ...members), reply.toInteger)
  }

  async srem(key: string, members: readonly string[]): Promise<number> {
    this.open('srem')
    check.assertKey(key)
    check.assertValues(members, 'members')
    if (members.length === 0) return 0
    return this.run('srem', () => this.client.call('srem', key, ...members), reply.toInteger)
  }

  async smembers(key: string): Promise<string[]> {
    this.open('smembers')
    check.assertKey(key)
    return this.run('smembers', () => this.client.call('smembers', key), reply.toStrings)
  }

  async sismember(key: string, member: string): Promise<boolean> {
    this.open('sismember')
    check.assertKey(key)
    check.assertValue(member, 'member')
    return this.run('sismember', () => this.client.call('sismember', key, member), reply.toBoolean)
  }

  async scard(key: string): Promise<number> {
    this.open('scard')
    check.assertKey(key)
    return this.run('scard', () => this.client.call('scard', key), reply.toInteger)
  }

  async zadd(key: string, entries: readonly ScoredMember[]): Promise<number> {
    this.open('zadd')
    check.assertKey(key)
    check.assertEntries(entries)
    if (entries.length === 0) return 0
    const args = entries.flatMap(({ member, score }) => [formatScore(score), member])
    return this.run('zadd', () => this.client.call('zadd', key, ...args), reply.toInteger)
  }

  async zincrBy(key: string, member: string, by: number): Promise<number> {
    this.open('zincrBy')
    check.assertKey(key)
    check.assertValue(member, 'member')
    check.assertScore(by, 'increment')
    return this.run('zincrBy', () => this.client.call('zincrby', key, formatScore(by), member), reply.toScore)
  }

  async zrem(key: string, members: readonly string[]): Promise<number> {
    this.open('zrem')
    check.assertKey(key)
    check.assertValues(members, 'members')
    if (members.length === 0) return 0
    return this.run('zrem', () => this.client.call('zrem', key, ...members), reply.toInteger)
  }

  async zscore(key: string, member: string): Promise<number | null> {
    this.open('zscore')
    check.assertKey(key)
    check.assertValue(member, 'member')
    return this.run('zscore', () => this.client.call('zscore', key, member), reply.toNullableScore)
  }

  async zcard(key: string): Promise<number> {
    this.open('zcard')
    check.assertKey(key)
    return this.run('zcard', () => this.client.call('zcard', key), reply.toInteger)
  }

  async zrank(key: string, member: string, options?: ZRangeOptions): Promise<number | null> {
    this.open('zrank')
    check.assertKey(key)
    check.assertValue(member, 'member')
    const command = options?.rev ? 'zrevrank' : 'zrank'
    return this.run('zrank', () => this.client.call(command, key, member), reply.toNullableInteger)
  }

  async zrange(key: string, start: number, stop: number, options?: ZRangeOptions): Promise<string[]> {
    this.open('zrange')
    check.assertKey(key)
    check.assertIndex(start, 'start')
    check.assertIndex(stop, 'stop')
    const args: Array<string | number> = [key, start, stop]
    if (options?.rev) args.push('REV')
    return this.run('zrange', () => this.client.call('zrange', ...args), reply.toStrings)
  }

  async zrangeWithScores(key: string, start: number, stop: number, options?: ZRangeOptions): Promise<ScoredMember[]> {
    this.open('zrange')
    check.assertKey(key)
    check.assertIndex(start, 'start')
    check.assertIndex(stop, 'stop')
    const args: Array<string | number> = [key, start, stop]
    if (options?.rev) args.push('REV')
    args.push('WITHSCORES')
    return this.run('zrange', () => this.client.call('zrange', ...args), reply.toScoredMembers)
  }

  async zrangeByScore(key: string, min: number, max: number, options?: ZRangeByScoreOptions): Promise<ScoredMember[]> {
    this.open('zrangeByScore')
    check.assertKey(key)
    check.assertBound(min, 'min')
    check.assertBound(max, 'max')
    check.assertRangeLimit(options)
    // With REV, Redis takes the bounds high first; the contract keeps min and max as named.
    const args: Array<string | number> = options?.rev
      ? [key, formatScore(max), formatScore(min), 'BYSCORE', 'REV']
      : [key, formatScore(min), formatScore(max), 'BYSCORE']
    if (options?.offset !== undefined || options?.count !== undefined) args.push('LIMIT', options.offset ?? 0, options.count ?? -1)
    args.push('WITHSCORES')
    return this.run('zrangeByScore', () => this.client.call('zrange', ...args), reply.toScoredMembers)
  }

  async eval<T>(script: Script<T>, keys: readonly string[], args: readonly string[]): Promise<T> {
    this.open('eval')
    check.assertKeys(keys)
    check.assertArgs(args)
    assertScriptKeys(script, keys)
    if (this.connection.isCluster && !sameSlot(keys)) throw new CrossSlotError(`eval ${script.name}`, keys)
    return this.run(
      `eval ${script.name}`,
      () => evalWithFallback(this.scripts, script, keys, args),
      (raw) => script.parse(reply.toScriptReply(raw)),
    )
  }

  async *scan(match: string, options: ScanOptions = {}): AsyncIterable<string[]> {
    this.open('scan')
    check.assertPattern(match)
    const count = check.normalizeScanCount(options.count)
    const { signal } = options
    signal?.throwIfAborted()
    for (const node of await this.scanTargets(match)) {
      let cursor = '0'
      do {
        signal?.throwIfAborted()
        this.open('scan')
        const page = await this.run('scan', () => node.call('scan', cursor, 'MATCH', match, 'COUNT', count), reply.toScanPage)
        cursor = page.cursor
        if (page.keys.length > 0) {
          signal?.throwIfAborted()
          yield page.keys
        }
      } while (cursor !== '0')
    }
  }

  async publish(channel: string, message: string): Promise<number> {
    this.open('publish')
    check.assertChannel(channel)
    check.assertValue(message, 'message')
    const publisher = this.publisherFor(channel)
    return this.run('publish', () => publisher.call('publish', channel, message), reply.toInteger)
  }

  async subscribe(channel: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Unsubscribe> {
    this.open('subscribe')
    check.assertChannel(channel)
    check.assertHandler(handler)
    return this.subscriptions.add(channel, handler, check.subscribeOptions(options).onStatus)
  }

  /**
   * INFO `section`. On a cluster, the sections of every master, each preceded by a
   * `# Node host:port` line: memory and keyspace figures are per node, and a guard must
   * see the fullest one.
   */
  async info(section?: string): Promise<string> {
    this.open('info')
    if (section !== undefined && (typeof section !== 'string' || !/^[A-Za-z_]+$/.test(section))) {
      throw new ValidationError('info section must be a word such as "memory" or "server"')
    }
    const args = section === undefined ? [] : [section]
    if (!this.connection.isCluster) return this.run('info', () => this.client.call('info', ...args), reply.toText)
    const masters = await this.masters()
    const texts = await this.run(
      'info',
      () => Promise.all(masters.map((node) => asCaller(node).call('info', ...args))),
      (replies) => (replies as unknown[]).map(reply.toText),
    )
    return masters.map((node, i) => `# Node ${nodeKey(node)}\r\n${texts[i] ?? ''}`).join('\r\n')
  }

  async ping(): Promise<number> {
    this.open('ping')
    const startedMs = performance.now()
    await this.run(
      'ping',
      () => this.client.call('ping'),
      () => undefined,
    )
    return performance.now() - startedMs
  }

  /** Calls `listener` whenever a connection that was down is ready again (with its node on a cluster). */
  onReconnect(listener: (node: string | undefined) => void): () => void {
    return this.reconnects.add(listener)
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    this.closed = true
    this.reconnects.stop()
    await Promise.all([this.subscriptions.close(), this.connection.owned ? this.quit(this.connection.client) : undefined])
  }

  /** QUIT, bounded by the command timeout; a server that does not answer gets disconnected. */
  private async quit(client: Client): Promise<void> {
    if (client.status === 'wait' || DOWN_STATUSES.has(client.status)) {
      client.disconnect()
      return
    }
    try {
      await this.deadlines.run(client.quit(), this.timeoutMs, () => new DriverTimeoutError('quit', this.timeoutMs, { driver: DRIVER_NAME }))
    } catch {
      client.disconnect()
    }
  }

  /**
   * One bounded call: refuses fast while the connection is down, rejects with
   * DriverTimeoutError after `commandTimeoutMs`, maps every failure to a cachekit error,
   * and normalises the reply. An arrow function so it can be handed to helpers.
   */
  private readonly run = async <T>(command: string, start: () => Promise<unknown>, parse: (raw: unknown) => T): Promise<T> => {
    const status = this.connection.client.status
    if (DOWN_STATUSES.has(status)) throw connectionDownError(command, status, this.redact, this.lastConnectionError)
    try {
      const pending = this.connection.isCluster ? this.followingRedirects(command, start) : start()
      const raw = await this.deadlines.run(
        pending,
        this.timeoutMs,
        () => new DriverTimeoutError(command, this.timeoutMs, { driver: DRIVER_NAME }),
      )
      return parse(raw)
    } catch (error) {
      throw toDriverError(error, command, this.redact, this.lastConnectionError)
    }
  }

  /**
   * A cluster command again after the cluster refused it with MOVED, ASK, TRYAGAIN or
   * CLUSTERDOWN: those replies mean it did not run, so sending it again is safe, even a
   * write or a script. ioredis follows redirects itself, except inside an auto-pipelined
   * batch that mixes a redirected command with others, which happens during every slot
   * move and failover. MOVED and CLUSTERDOWN refresh the slot table first. Bounded by
   * the caller's deadline and by {@link REDIRECT_ATTEMPTS}; a cluster that keeps
   * redirecting is reported as an outage ({@link DriverError}), not as a refused command.
   */
  private async followingRedirects(command: string, start: () => Promise<unknown>): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await start()
      } catch (error) {
        const redirect = redirectOf(error)
        if (redirect === undefined || this.closed) throw error
        if (attempt >= REDIRECT_ATTEMPTS) throw topologyError(command, error, this.redact)
        if (redirect === 'MOVED' || redirect === 'CLUSTERDOWN') await this.refreshSlots()
        else await pause(REDIRECT_PAUSE_MS * attempt)
      }
    }
  }

  /** Reloads the cluster's slot table (CLUSTER SLOTS); resolves when done, whatever the outcome. */
  private refreshSlots(): Promise<void> {
    const cluster = this.connection.client as Cluster
    return new Promise((resolve) => cluster.refreshSlotsCache(() => resolve()))
  }

  /**
   * A multi-key command, split per slot on a cluster (Redis refuses CROSSSLOT otherwise).
   * The parts run concurrently under one deadline; auto-pipelining batches them per node.
   */
  private perSlot<P, T>(
    command: string,
    keys: readonly string[],
    parsePart: (raw: unknown) => P,
    combine: (parts: Array<[number[], P]>) => T,
  ): Promise<T> {
    if (!this.connection.isCluster || sameSlot(keys)) {
      return this.run(
        command,
        () => this.client.call(command, ...keys),
        (raw) => combine([[keys.map((_, i) => i), parsePart(raw)]]),
      )
    }
    const groups = [...groupBySlot(keys).values()]
    return this.run(
      command,
      () => Promise.all(groups.map((indexes) => this.client.call(command, ...indexes.map((i) => keys[i] as string)))),
      (raws) => combine((raws as unknown[]).map((raw, i) => [groups[i] as number[], parsePart(raw)])),
    )
  }

  /** The connections SCAN walks: the server, or the masters that can hold matching keys. */
  private async scanTargets(match: string): Promise<Caller[]> {
    if (!this.connection.isCluster) return [this.client]
    const masters = await this.masters()
    const slot = literalTagSlot(match)
    if (slot !== undefined) {
      const owner = (this.connection.client as Cluster).slots[slot]?.[0]
      const node = masters.find((candidate) => nodeKey(candidate) === owner)
      if (node) return [asCaller(node)]
    }
    return masters.map(asCaller)
  }

  /**
   * Where PUBLISH goes. A cluster relays a message from the node that received it, so
   * messages sent through different nodes can overtake each other; one fixed node per
   * channel (the master of its slot) keeps a publisher's messages in order.
   */
  private publisherFor(channel: string): Caller {
    if (!this.connection.isCluster) return this.client
    const cluster = this.connection.client as Cluster
    const owner = cluster.slots[hashSlot(channel)]?.[0]
    const node = owner === undefined ? undefined : cluster.nodes('master').find((candidate) => nodeKey(candidate) === owner)
    return node ? asCaller(node) : this.client
  }

  /** The cluster's masters, once the slot map is known. */
  private async masters(): Promise<Redis[]> {
    const cluster = this.connection.client as Cluster
    // Any routed command waits for the slot map; until then nodes() may be empty.
    if (cluster.status !== 'ready')
      await this.run(
        'cluster',
        () => this.client.call('ping'),
        () => undefined,
      )
    const masters = cluster.nodes('master')
    if (masters.length === 0)
      throw toDriverError(new Error('the cluster has no reachable master'), 'cluster', this.redact, this.lastConnectionError)
    return masters
  }

  private open(command: string): void {
    if (this.closed) throw new DriverClosedError(command, { driver: DRIVER_NAME })
  }
}

/** Tries of one cluster command refused with a redirect (the first one included). */
const REDIRECT_ATTEMPTS = 6
/** Pause before trying again after ASK or TRYAGAIN, times the attempt number. */
const REDIRECT_PAUSE_MS = 10

/** MOVED, ASK, TRYAGAIN or CLUSTERDOWN when the error is such a reply; otherwise undefined. */
function redirectOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return undefined
  const word = /^[A-Z]+/.exec(error.message)?.[0]
  return word === 'MOVED' || word === 'ASK' || word === 'TRYAGAIN' || word === 'CLUSTERDOWN' ? word : undefined
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** A score as Redis parses it: `String(-0)` is `'0'`, and bounds may be infinite. */
function formatScore(score: number): string {
  if (score === Number.POSITIVE_INFINITY) return '+inf'
  if (score === Number.NEGATIVE_INFINITY) return '-inf'
  return String(score)
}

function sum<P extends number>(parts: Array<[number[], P]>): number {
  return parts.reduce((total, [, count]) => total + count, 0)
}

function asCaller(node: Redis): Caller {
  return node as unknown as Caller
}
