import { DriverClosedError } from '../../core/errors/index.js'
import { unref } from '../../core/deadline.js'
import { assertScriptKeys, type Script } from '../../core/script.js'
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
import type { ScoredMember } from '../../core/script.js'
import * as check from '../validate.js'
import { compileGlob } from './glob.js'
import { MemoryStore } from './store.js'

/** Options of {@link memoryDriver}. */
export interface MemoryDriverOptions {
  /**
   * Evict least-recently-used keys beyond this many keys. Unbounded by default.
   * @example memoryDriver({ maxEntries: 10_000 })
   */
  maxEntries?: number
  /**
   * Evict least-recently-used keys beyond this many bytes (an estimate: 2 bytes per
   * character plus per-entry overhead). Unbounded by default; `info('memory')` reports it
   * as `maxmemory`, so the memory guard works on it.
   */
  maxBytes?: number
  /**
   * How often expired keys are swept, in milliseconds. Expiry is also checked on every
   * read, so this only bounds how long an unread expired key holds memory.
   * @default 1000
   */
  sweepIntervalMs?: number
  /**
   * Called when a subscriber's handler throws. The error never propagates to `publish`.
   * @default logs with console.error
   */
  onHandlerError?: (error: unknown, channel: string) => void
}

const CAPABILITIES: DriverCapabilities = Object.freeze({ cluster: false, pubsub: true, scripting: 'emulated' })

/**
 * The embedded driver: Redis semantics in process, no server. The default driver of
 * `createCachekit`. Scripts run as their JavaScript twins; publish/subscribe reaches
 * subscribers of the same driver instance. Imports no `node:` module (edge-safe).
 *
 * @example
 * const driver = memoryDriver({ maxEntries: 50_000 })
 */
export function memoryDriver(options: MemoryDriverOptions = {}): Driver {
  return new MemoryDriver(options)
}

class MemoryDriver implements Driver {
  readonly name = 'memory'
  readonly capabilities = CAPABILITIES
  private readonly store: MemoryStore
  private readonly channels = new Map<string, Set<MessageHandler>>()
  private readonly onHandlerError: (error: unknown, channel: string) => void
  private sweepTimer: ReturnType<typeof setInterval> | undefined
  private closed = false

  constructor(options: MemoryDriverOptions) {
    validateBounds(options)
    this.store = new MemoryStore({ maxEntries: options.maxEntries, maxBytes: options.maxBytes })
    this.onHandlerError =
      options.onHandlerError ?? ((error, channel) => console.error(`cachekit memory driver: subscriber of ${channel} threw`, error))
    const sweepIntervalMs = options.sweepIntervalMs ?? 1000
    this.sweepTimer = setInterval(() => this.store.sweep(), sweepIntervalMs)
    unref(this.sweepTimer)
  }

  async get(key: string): Promise<string | null> {
    this.open('get')
    check.assertKey(key)
    return this.store.get(key)
  }

  async mget(keys: readonly string[]): Promise<(string | null)[]> {
    this.open('mget')
    check.assertKeys(keys)
    return this.store.mget(keys)
  }

  async set(key: string, value: string, options?: SetOptions): Promise<boolean> {
    this.open('set')
    check.assertKey(key)
    check.assertValue(value)
    const ttlMs = check.normalizeSetOptions(options)
    return this.store.set(key, value, { ...options, ttlMs })
  }

  async del(keys: readonly string[]): Promise<number> {
    this.open('del')
    check.assertKeys(keys)
    return this.store.del(keys)
  }

  async exists(keys: readonly string[]): Promise<number> {
    this.open('exists')
    check.assertKeys(keys)
    return this.store.exists(keys)
  }

  async pttl(key: string): Promise<number> {
    this.open('pttl')
    check.assertKey(key)
    return this.store.pttl(key)
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    this.open('expire')
    check.assertKey(key)
    return this.store.pexpire(key, check.normalizeTtl(ttlMs))
  }

  async persist(key: string): Promise<boolean> {
    this.open('persist')
    check.assertKey(key)
    return this.store.persist(key)
  }

  async incrBy(key: string, by: number): Promise<number> {
    this.open('incrBy')
    check.assertKey(key)
    check.assertIncrement(by)
    return this.store.incrBy(key, by)
  }

  async hget(key: string, field: string): Promise<string | null> {
    this.open('hget')
    check.assertKey(key)
    check.assertValue(field, 'field')
    return this.store.hget(key, field)
  }

  async hmget(key: string, fields: readonly string[]): Promise<(string | null)[]> {
    this.open('hmget')
    check.assertKey(key)
    check.assertValues(fields, 'fields')
    return this.store.hmget(key, fields)
  }

  async hset(key: string, fields: Readonly<Record<string, string>>): Promise<number> {
    this.open('hset')
    check.assertKey(key)
    check.assertFields(fields)
    return this.store.hset(key, fields)
  }

  async hdel(key: string, fields: readonly string[]): Promise<number> {
    this.open('hdel')
    check.assertKey(key)
    check.assertValues(fields, 'fields')
    return this.store.hdel(key, fields)
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    this.open('hgetall')
    check.assertKey(key)
    return this.store.hgetall(key)
  }

  async hincrBy(key: string, field: string, by: number): Promise<number> {
    this.open('hincrBy')
    check.assertKey(key)
    check.assertValue(field, 'field')
    check.assertIncrement(by)
    return this.store.hincrBy(key, field, by)
  }

  async sadd(key: string, members: readonly string[]): Promise<number> {
    this.open('sadd')
    check.assertKey(key)
    check.assertValues(members, 'members')
    return this.store.sadd(key, members)
  }

  async srem(key: string, members: readonly string[]): Promise<number> {
    this.open('srem')
    check.assertKey(key)
    check.assertValues(members, 'members')
    return this.store.srem(key, members)
  }

  async smembers(key: string): Promise<string[]> {
    this.open('smembers')
    check.assertKey(key)
    return this.store.smembers(key)
  }

  async sismember(key: string, member: string): Promise<boolean> {
    this.open('sismember')
    check.assertKey(key)
    check.assertValue(member, 'member')
    return this.store.sismember(key, member)
  }

  async scard(key: string): Promise<number> {
    this.open('scard')
    check.assertKey(key)
    return this.store.scard(key)
  }

  async zadd(key: string, entries: readonly ScoredMember[]): Promise<number> {
    this.open('zadd')
    check.assertKey(key)
    check.assertEntries(entries)
    return this.store.zadd(key, entries)
  }

  async zincrBy(key: string, member: string, by: number): Promise<number> {
    this.open('zincrBy')
    check.assertKey(key)
    check.assertValue(member, 'member')
    check.assertScore(by, 'increment')
    return this.store.zincrBy(key, member, by)
  }

  async zrem(key: string, members: readonly string[]): Promise<number> {
    this.open('zrem')
    check.assertKey(key)
    check.assertValues(members, 'members')
    return this.store.zrem(key, members)
  }

  async zscore(key: string, member: string): Promise<number | null> {
    this.open('zscore')
    check.assertKey(key)
    check.assertValue(member, 'member')
    return this.store.zscore(key, member)
  }

  async zcard(key: string): Promise<number> {
    this.open('zcard')
    check.assertKey(key)
    return this.store.zcard(key)
  }

  async zrank(key: string, member: string, options?: ZRangeOptions): Promise<number | null> {
    this.open('zrank')
    check.assertKey(key)
    check.assertValue(member, 'member')
    return this.store.zrank(key, member, options)
  }

  async zrange(key: string, start: number, stop: number, options?: ZRangeOptions): Promise<string[]> {
    return (await this.zrangeWithScores(key, start, stop, options)).map((entry) => entry.member)
  }

  async zrangeWithScores(key: string, start: number, stop: number, options?: ZRangeOptions): Promise<ScoredMember[]> {
    this.open('zrange')
    check.assertKey(key)
    check.assertIndex(start, 'start')
    check.assertIndex(stop, 'stop')
    return this.store.zrangeWithScores(key, start, stop, options)
  }

  async zrangeByScore(key: string, min: number, max: number, options?: ZRangeByScoreOptions): Promise<ScoredMember[]> {
    this.open('zrangeByScore')
    check.assertKey(key)
    check.assertBound(min, 'min')
    check.assertBound(max, 'max')
    check.assertRangeLimit(options)
    return this.store.zrangeByScore(key, min, max, options)
  }

  async eval<T>(script: Script<T>, keys: readonly string[], args: readonly string[]): Promise<T> {
    this.open('eval')
    check.assertKeys(keys)
    check.assertArgs(args)
    assertScriptKeys(script, keys)
    // The twin runs synchronously on the store: nothing can interleave, so it is atomic.
    return script.parse(script.run(this.store, keys, args))
  }

  async *scan(match: string, options: ScanOptions = {}): AsyncIterable<string[]> {
    this.open('scan')
    check.assertPattern(match)
    const count = check.normalizeScanCount(options.count)
    const matches = compileGlob(match)
    const snapshot = this.store.keys()
    let batch: string[] = []
    for (let index = 0; index < snapshot.length; index++) {
      const key = snapshot[index] as string
      if (this.store.has(key) && matches(key)) batch.push(key)
      if ((index + 1) % count === 0 && batch.length > 0) {
        options.signal?.throwIfAborted()
        yield batch
        this.open('scan')
        batch = []
      }
    }
    options.signal?.throwIfAborted()
    if (batch.length > 0) yield batch
  }

  async publish(channel: string, message: string): Promise<number> {
    this.open('publish')
    check.assertChannel(channel)
    check.assertValue(message, 'message')
    const handlers = this.channels.get(channel)
    if (!handlers || handlers.size === 0) return 0
    const receivers = [...handlers]
    // Delivered after publish resolves, as a server would deliver it.
    queueMicrotask(() => {
      for (const handler of receivers) {
        try {
          handler(message, channel)
        } catch (error) {
          this.onHandlerError(error, channel)
        }
      }
    })
    return receivers.length
  }

  // In process, delivery is never interrupted: `onStatus` is never called.
  async subscribe(channel: string, handler: MessageHandler, options?: SubscribeOptions): Promise<Unsubscribe> {
    this.open('subscribe')
    check.assertChannel(channel)
    check.assertHandler(handler)
    check.subscribeOptions(options)
    let handlers = this.channels.get(channel)
    if (!handlers) {
      handlers = new Set()
      this.channels.set(channel, handlers)
    }
    // Wrap so the same function can subscribe twice and unsubscribe independently.
    const subscription: MessageHandler = (message, name) => handler(message, name)
    handlers.add(subscription)
    return async () => {
      const current = this.channels.get(channel)
      current?.delete(subscription)
      if (current?.size === 0) this.channels.delete(channel)
    }
  }

  async info(section = 'default'): Promise<string> {
    this.open('info')
    const store = this.store
    const sections: Record<string, string[]> = {
      server: ['redis_version:7.0.0', 'cachekit_driver:memory'],
      memory: [
        `used_memory:${store.usedBytes}`,
        `maxmemory:${store.maxmemory}`,
        `maxmemory_policy:${store.maxmemory > 0 ? 'allkeys-lru' : 'noeviction'}`,
      ],
      stats: [`evicted_keys:${store.evictedKeys}`, `expired_keys:${store.expiredKeys}`],
      keyspace: store.size > 0 ? [`db0:keys=${store.size},expires=${store.countVolatile()},avg_ttl=0`] : [],
    }
    const wanted = ['default', 'all', 'everything'].includes(section.toLowerCase()) ? Object.keys(sections) : [section.toLowerCase()]
    return wanted
      .filter((name) => name in sections)
      .map((name) => [`# ${name[0]?.toUpperCase()}${name.slice(1)}`, ...(sections[name] as string[])].join('\r\n'))
      .join('\r\n\r\n')
  }

  async ping(): Promise<number> {
    this.open('ping')
    return 0
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer)
    this.sweepTimer = undefined
    this.channels.clear()
    this.store.clear()
  }

  private open(command: string): void {
    if (this.closed) throw new DriverClosedError(command, { driver: this.name })
  }
}

function validateBounds(options: MemoryDriverOptions): void {
  for (const bound of ['maxEntries', 'maxBytes', 'sweepIntervalMs'] as const) {
    const value = options[bound]
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
      check.failOption(`memoryDriver: ${bound} must be a positive integer, got ${String(value)}`)
    }
  }
}
