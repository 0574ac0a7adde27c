import type { Redis, SetCommandOptions } from '@upstash/redis'
import { Deadlines } from '../../core/deadline.js'
import { DriverClosedError, DriverTimeoutError } from '../../core/errors/index.js'
import { assertScriptKeys, evalWithFallback, type ScoredMember, type Script, type ScriptTransport } from '../../core/script.js'
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
import { toDriverError } from './errors.js'
import { resolveOptions, type UpstashDriverOptions } from './options.js'
import * as reply from './replies.js'
import { openSubscription, type Subscription } from './subscription.js'

const CAPABILITIES: DriverCapabilities = Object.freeze({ cluster: false, pubsub: true, scripting: 'lua' })

/**
 * The Upstash driver: Redis over Upstash's REST API with `@upstash/redis`, for
 * serverless and edge runtimes. Imports no `node:` module. Scripts run as Lua on the
 * server (EVALSHA, EVAL when the script cache lost them); subscriptions use Upstash's
 * Server-Sent Events endpoint.
 *
 * Calls issued in the same tick share one HTTP request (the client's auto-pipelining),
 * so concurrent calls cost one round trip; like separate HTTP requests, calls that are
 * not awaited one after the other have no guaranteed order.
 *
 * @example
 * const driver = upstashDriver({ url: process.env.UPSTASH_REDIS_REST_URL!, token: process.env.UPSTASH_REDIS_REST_TOKEN! })
 */
export function upstashDriver(options: UpstashDriverOptions): Driver {
  return new UpstashDriver(options)
}

class UpstashDriver implements Driver {
  readonly name = 'upstash'
  readonly capabilities = CAPABILITIES
  private readonly redis: Redis
  private readonly timeoutMs: number
  private readonly secrets: readonly string[]
  private readonly onHandlerError: (error: unknown, channel: string) => void
  private readonly deadlines = new Deadlines()
  private readonly subscriptions = new Set<Subscription>()
  private readonly scripts: ScriptTransport
  private closed = false

  constructor(options: UpstashDriverOptions) {
    const resolved = resolveOptions(options)
    this.redis = resolved.redis
    this.timeoutMs = resolved.commandTimeoutMs
    this.secrets = resolved.secrets
    this.onHandlerError = resolved.onHandlerError
    this.scripts = {
      evalsha: (sha1, keys, args) => this.redis.evalsha(sha1, [...keys], [...args]),
      eval: (lua, keys, args) => this.redis.eval(lua, [...keys], [...args]),
    }
  }

  async get(key: string): Promise<string | null> {
    this.open('get')
    check.assertKey(key)
    return reply.asNullableString(await this.call('get', () => this.redis.get(key)), 'get')
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    this.open('mget')
    check.assertKeys(keys)
    if (keys.length === 0) return []
    return reply.asNullableStrings(await this.call('mget', () => this.redis.mget([...keys])), 'mget')
  }

  async set(key: string, value: string, options?: SetOptions): Promise<boolean> {
    this.open('set')
    check.assertKey(key)
    check.assertValue(value)
    const ttlMs = check.normalizeSetOptions(options)
    const condition = options?.nx ? { nx: true } : options?.xx ? { xx: true } : {}
    const expiry = ttlMs !== undefined ? { px: ttlMs } : options?.keepTtl ? { keepTtl: true } : {}
    const setOptions = { ...condition, ...expiry } as SetCommandOptions
    const result = await this.call('set', () => this.redis.set(key, value, setOptions))
    return result === 'OK'
  }

  async del(keys: readonly string[]): Promise<number> {
    this.open('del')
    check.assertKeys(keys)
    if (keys.length === 0) return 0
    return reply.asInteger(await this.call('del', () => this.redis.unlink(...keys)), 'del')
  }

  async exists(keys: readonly string[]): Promise<number> {
    this.open('exists')
    check.assertKeys(keys)
    if (keys.length === 0) return 0
    return reply.asInteger(await this.call('exists', () => this.redis.exists(...keys)), 'exists')
  }

  async pttl(key: string): Promise<number> {
    this.open('pttl')
    check.assertKey(key)
    return reply.asInteger(await this.call('pttl', () => this.redis.pttl(key)), 'pttl')
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    this.open('expire')
    check.assertKey(key)
    const milliseconds = check.normalizeTtl(ttlMs)
    return reply.asFlag(await this.call('expire', () => this.redis.pexpire(key, milliseconds)), 'expire')
  }

  async persist(key: string): Promise<boolean> {
    this.open('persist')
    check.assertKey(key)
    return reply.asFlag(await this.call('persist', () => this.redis.persist(key)), 'persist')
  }

  async incrBy(key: string, by: number): Promise<number> {
    this.open('incrBy')
    check.assertKey(key)
    check.assertIncrement(by)
    return reply.asInteger(await this.call('incrBy', () => this.redis.incrby(key, by)), 'incrBy')
  }

  async hget(key: string, field: string): Promise<string | null> {
    this.open('hget')
    check.assertKey(key)
    check.assertValue(field, 'field')
    return reply.asNullableString(await this.call('hget', () => this.redis.hget(key, field)), 'hget')
  }

  async hmget(key: string, fields: readonly string[]): Promise<(string | null)[]> {
    this.open('hmget')
    check.assertKey(key)
    check.assertValues(fields, 'fields')
    if (fields.length === 0) return []
    return reply.asNullableStrings(await this.call('hmget', () => this.redis.hmget(key, ...fields)), 'hmget')
  }

  async hset(key: string, fields: Readonly<Record<string, string>>): Promise<number> {
    this.open('hset')
    check.assertKey(key)
    check.assertFields(fields)
    // Redis refuses an HSET without fields and never holds an empty hash.
    if (Object.keys(fields).length === 0) return 0
    return reply.asInteger(await this.call('hset', () => this.redis.hset(key, { ...fields })), 'hset')
  }

  async hdel(key: string, fields: readonly string[]): Promise<number> {
    this.open('hdel')
    check.assertKey(key)
    check.assertValues(fields, 'fields')
    if (fields.length === 0) return 0
    return reply.asInteger(await this.call('hdel', () => this.redis.hdel(key, ...fields)), 'hdel')
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    this.open('hgetall')
    check.assertKey(key)
    return reply.asFieldMap(await this.call('hgetall', () => this.redis.hgetall(key)), 'hgetall')
  }

  async hincrBy(key: string, field: string, by: number): Promise<number> {
    this.open('hincrBy')
    check.assertKey(key)
    check.assertValue(field, 'field')
    check.assertIncrement(by)
    return reply.asInteger(await this.call('hincrBy', () => this.redis.hincrby(key, field, by)), 'hincrBy')
  }

  async sadd(key: string, members: readonly string[]): Promise<number> {
    this.open('sadd')
    check.assertKey(key)
    check.assertValues(members, 'members')
    const [first, ...rest] = members
    if (first === undefined) return 0
    return reply.asInteger(await this.call('sadd', () => this.redis.sadd(key, first, ...rest)), 'sadd')
  }

  async srem(key: string, members: readonly string[]): Promise<number> {
    this.open('srem')
    check.assertKey(key)
    check.assertValues(members, 'members')
    if (members.length === 0) return 0
    return reply.asInteger(await this.call('srem', () => this.redis.srem(key, ...members)), 'srem')
  }

  async smembers(key: string): Promise<string[]> {
    this.open('smembers')
    check.assertKey(key)
    return reply.asStrings(await this.call('smembers', () => this.redis.smembers(key)), 'smembers')
  }

  async sismember(key: string, member: string): Promise<boolean> {
    this.open('sismember')
    check.assertKey(key)
    check.assertValue(member, 'member')
    return reply.asFlag(await this.call('sismember', () => this.redis.sismember(key, member)), 'sismember')
  }

  async scard(key: string): Promise<number> {
    this.open('scard')
    check.assertKey(key)
    return reply.asInteger(await this.call('scard', () => this.redis.scard(key)), 'scard')
  }

  async zadd(key: string, entries: readonly ScoredMember[]): Promise<number> {
    this.open('zadd')
    check.assertKey(key)
    check.assertEntries(entries)
    // Fresh objects: the client reads nx/xx/ch/incr flags off the first entry.
    const [first, ...rest] = entries.map(({ member, score }) => ({ member, score }))
    if (first === undefined) return 0
    return reply.asInteger(await this.call('zadd', () => this.redis.zadd(key, first, ...rest)), 'zadd')
  }

  async zincrBy(key: string, member: string, by: number): Promise<number> {
    this.open('zincrBy')
    check.assertKey(key)
    check.assertValue(member, 'member')
    check.assertScore(by, 'increment')
    return reply.asScore(await this.call('zincrBy', () => this.redis.zincrby(key, by, member)), 'zincrBy')
  }

  async zrem(key: string, members: readonly string[]): Promise<number> {
    this.open('zrem')
    check.assertKey(key)
    check.assertValues(members, 'members')
    if (members.length === 0) return 0
    return reply.asInteger(await this.call('zrem', () => this.redis.zrem(key, ...members)), 'zrem')
  }

  async zscore(key: string, member: string): Promise<number | null> {
    this.open('zscore')
    check.assertKey(key)
    check.assertValue(member, 'member')
    return reply.asNullableScore(await this.call('zscore', () => this.redis.zscore(key, member)), 'zscore')
  }

  async zcard(key: string): Promise<number> {
    this.open('zcard')
    check.assertKey(key)
    return reply.asInteger(await this.call('zcard', () => this.redis.zcard(key)), 'zcard')
  }

  async zrank(key: string, member: string, options?: ZRangeOptions): Promise<number | null> {
    this.open('zrank')
    check.assertKey(key)
    check.assertValue(member, 'member')
    const rank = await this.call('zrank', () => (options?.rev ? this.redis.zrevrank(key, member) : this.redis.zrank(key, member)))
    return reply.asNullableInteger(rank, 'zrank')
  }

  async zrange(key: string, start: number, stop: number, options?: ZRangeOptions): Promise<string[]> {
    this.open('zrange')
    check.assertKey(key)
    check.assertIndex(start, 'start')
    check.assertIndex(stop, 'stop')
    return reply.asStrings(await this.call('zrange', () => this.redis.zrange(key, start, stop, { rev: options?.rev === true })), 'zrange')
  }

  async zrangeWithScores(key: string, start: number, stop: number, options?: ZRangeOptions): Promise<ScoredMember[]> {
    this.open('zrange')
    check.assertKey(key)
    check.assertIndex(start, 'start')
    check.assertIndex(stop, 'stop')
    const flat = await this.call('zrange', () => this.redis.zrange(key, start, stop, { rev: options?.rev === true, withScores: true }))
    return reply.asScoredMembers(flat, 'zrange')
  }

  async zrangeByScore(key: string, min: number, max: number, options?: ZRangeByScoreOptions): Promise<ScoredMember[]> {
    this.open('zrangeByScore')
    check.assertKey(key)
    check.assertBound(min, 'min')
    check.assertBound(max, 'max')
    check.assertRangeLimit(options)
    const rev = options?.rev === true
    // Redis takes LIMIT as a pair; a negative count means "all the rest".
    const limited = options?.offset !== undefined || options?.count !== undefined
    const limit = limited ? { offset: options?.offset ?? 0, count: options?.count ?? -1 } : {}
    // With REV, ZRANGE BYSCORE takes the high bound first.
    const [from, to] = rev ? [scoreBound(max), scoreBound(min)] : [scoreBound(min), scoreBound(max)]
    const flat = await this.call('zrangeByScore', () =>
      this.redis.zrange(key, from, to, { byScore: true, rev, withScores: true, ...limit }),
    )
    return reply.asScoredMembers(flat, 'zrangeByScore')
  }

  async eval<T>(script: Script<T>, keys: readonly string[], args: readonly string[]): Promise<T> {
    this.open('eval')
    check.assertKeys(keys)
    check.assertArgs(args)
    assertScriptKeys(script, keys)
    const raw = await this.call('eval', () => evalWithFallback(this.scripts, script, keys, args))
    return script.parse(reply.asScriptReply(raw, 'eval'))
  }

  async *scan(match: string, options: ScanOptions = {}): AsyncIterable<string[]> {
    this.open('scan')
    check.assertPattern(match)
    const count = check.normalizeScanCount(options.count)
    let cursor = '0'
    do {
      options.signal?.throwIfAborted()
      const page = reply.asScanPage(await this.call('scan', () => this.redis.scan(cursor, { match, count })), 'scan')
      cursor = page.cursor
      if (page.keys.length > 0) {
        yield page.keys
        this.open('scan')
      }
    } while (cursor !== '0')
  }

  async publish(channel: string, message: string): Promise<number> {
    this.open('publish')
    check.assertChannel(channel)
    check.assertValue(message, 'message')
    return reply.asInteger(await this.call('publish', () => this.redis.publish(channel, message)), 'publish')
  }

  async subscribe(channel: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Unsubscribe> {
    this.open('subscribe')
    check.assertChannel(channel)
    check.assertHandler(handler)
    const { onStatus } = check.subscribeOptions(options)
    const subscription = openSubscription(this.redis, channel, handler, this.onHandlerError, onStatus)
    this.subscriptions.add(subscription)
    const unsubscribe: Unsubscribe = async () => {
      subscription.close()
      this.subscriptions.delete(subscription)
    }
    try {
      await this.call('subscribe', () => subscription.ready)
    } catch (error) {
      await unsubscribe()
      throw error
    }
    return unsubscribe
  }

  async info(section?: string): Promise<string> {
    this.open('info')
    if (section !== undefined) check.assertKey(section, 'info section')
    const command: [string, ...string[]] = section === undefined ? ['info'] : ['info', section]
    const text = reply.asNullableString(await this.call('info', () => this.redis.exec(command)), 'info')
    return text ?? ''
  }

  async ping(): Promise<number> {
    this.open('ping')
    const started = performance.now()
    await this.call('ping', () => this.redis.ping())
    return performance.now() - started
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    // Subscriptions are this driver's own streams, even on a client it was handed.
    for (const subscription of this.subscriptions) subscription.close()
    this.subscriptions.clear()
  }

  /** Runs one client call under the timeout and turns its failure into a typed error. */
  private async call(command: string, send: () => Promise<unknown>): Promise<unknown> {
    try {
      return await this.deadlines.run(send(), this.timeoutMs, () => new DriverTimeoutError(command, this.timeoutMs, { driver: this.name }))
    } catch (error) {
      throw toDriverError(error, { command, timeoutMs: this.timeoutMs, secrets: this.secrets })
    }
  }

  private open(command: string): void {
    if (this.closed) throw new DriverClosedError(command, { driver: this.name })
  }
}

/** A score bound as ZRANGE BYSCORE takes it: the number, or `-inf`/`+inf`. */
function scoreBound(bound: number): number | '-inf' | '+inf' {
  if (bound === Number.NEGATIVE_INFINITY) return '-inf'
  if (bound === Number.POSITIVE_INFINITY) return '+inf'
  return bound
}
