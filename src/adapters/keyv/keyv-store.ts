/**
 * `keyvStore(source)`: a Keyv storage adapter backed by any cachekit driver, so Keyv,
 * cache-manager v7, cacheable and @nestjs/cache-manager can run on cachekit's drivers
 * (Redis, Cluster, Upstash, memory) unchanged.
 */
import type { KeyvStoreAdapter, StoredData } from 'keyv'
import { ValidationError } from '../../core/errors/index.js'
import { Emitter } from '../../core/events.js'
import type { Driver } from '../../drivers/driver.js'
import type { Namespace } from '../../keys/namespace.js'
import { hasReservedSegment } from '../../keys/reserved.js'

/** Options of {@link keyvStore}. */
export interface KeyvStoreOptions {
  /**
   * Put every key under this prefix (after the kit's namespace), so Keyv's keys never
   * meet others on a shared database.
   * @default none
   * @example 'sessions'
   */
  prefix?: string
  /**
   * Close the driver (or the kit) when Keyv calls `disconnect()`. Off by default: the
   * store never closes what it was handed.
   * @default false
   */
  closeOnDisconnect?: boolean
}

/** A kit, or anything with its driver and namespace. */
export interface KeyvStoreKit {
  readonly driver: Driver
  readonly namespace: Namespace
  close(): Promise<void>
}

/** The Keyv adapter {@link keyvStore} returns. */
export type CachekitKeyvStore = KeyvStoreAdapter & {
  /** `{ dialect: 'redis' }`: it tells Keyv the store can iterate. */
  readonly opts: { dialect: 'redis'; url: string }
  iterator(namespace?: string): AsyncGenerator<[string, unknown], void>
}

type KeyvEvents = { error: unknown }

// Keyv serializes values to strings itself; with its serializer turned off it hands over
// objects, which are stored as JSON behind this marker.
const JSON_MARKER = '\u0000json:'
const SCAN_COUNT = 500

/**
 * Creates the adapter: `new Keyv({ store: keyvStore(kit) })`. Keys are the kit's
 * namespace, then `prefix`, then what Keyv sends (its namespace and the key). TTLs are
 * the driver's (`PX`). `clear()` deletes only this store's keys (SCAN in batches, never
 * `KEYS`, never `FLUSHDB`). When Redis is away, calls reject with the driver's error and
 * Keyv emits it as `error`.
 *
 * cachekit's own feature keys (sessions, locks, fencing counters, tag stamps: any key
 * with a segment starting with `__`) are out of Keyv's reach: a Keyv key segment
 * starting with `__` or `%` is stored with a `%` in front (`__lock:x` -> `%__lock:x`,
 * read back as `__lock:x`), and `clear()` and `iterator()` skip every key with a `__`
 * segment, whatever Keyv's namespace (also `namespace: ''`, which clears the whole scope).
 *
 * @throws {ValidationError} for a bad prefix.
 * @example
 * const keyv = new Keyv({ store: keyvStore(kit, { prefix: 'keyv' }), namespace: 'users' })
 */
export function keyvStore(source: Driver | KeyvStoreKit, options: KeyvStoreOptions = {}): CachekitKeyvStore {
  const { driver, close } =
    'driver' in source && 'namespace' in source
      ? { driver: source.driver, close: () => source.close() }
      : { driver: source as Driver, close: () => (source as Driver).close() }
  const kitPrefix = 'namespace' in source ? source.namespace.prefix : ''
  if (
    options.prefix !== undefined &&
    (typeof options.prefix !== 'string' || options.prefix.length === 0 || /[*?[\]\\{}]/.test(options.prefix))
  ) {
    throw new ValidationError(
      `keyvStore: prefix must be a non-empty string without glob characters or braces, got ${JSON.stringify(options.prefix)}`,
    )
  }
  const base = kitPrefix + (options.prefix === undefined ? '' : `${options.prefix}:`)
  const events = new Emitter<KeyvEvents>()
  const full = (key: string): string => base + encodeKey(key)
  // The SCAN pattern of everything under `scope` (a Keyv namespace may hold glob characters).
  const scan = (namespace: string | undefined) =>
    driver.scan(`${escapeGlob(base + (namespace ? `${encodeKey(namespace)}:` : ''))}*`, { count: SCAN_COUNT })
  const ours = (key: string): boolean => key.startsWith(base) && !hasReservedSegment(key.slice(base.length))
  const store = {
    opts: { dialect: 'redis' as const, url: '' },
    namespace: undefined as string | undefined,
    on(event: string, listener: (...args: unknown[]) => void) {
      if (event === 'error') events.on('error', listener)
      return store
    },
    emit(event: string, ...args: unknown[]) {
      if (event === 'error') events.emit('error', args[0])
      return true
    },
    async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
      return decode(await driver.get(full(key))) as StoredData<Value> | undefined
    },
    async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
      if (keys.length === 0) return []
      return (await driver.mget(keys.map(full))).map(decode) as Array<StoredData<Value | undefined>>
    },
    async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
      const text = typeof value === 'string' ? value : JSON_MARKER + JSON.stringify(value)
      return driver.set(full(key), text, typeof ttl === 'number' && ttl > 0 ? { ttlMs: Math.ceil(ttl) } : {})
    },
    async setMany(entries: Array<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
      await Promise.all(entries.map(({ key, value, ttl }) => store.set(key, value, ttl)))
    },
    async delete(key: string): Promise<boolean> {
      return (await driver.del([full(key)])) > 0
    },
    async deleteMany(keys: string[]): Promise<boolean> {
      if (keys.length === 0) return false
      return (await driver.del(keys.map(full))) > 0
    },
    async has(key: string): Promise<boolean> {
      return (await driver.exists([full(key)])) > 0
    },
    async hasMany(keys: string[]): Promise<boolean[]> {
      return Promise.all(keys.map((key) => store.has(key)))
    },
    async clear(): Promise<void> {
      if (base === '' && !store.namespace)
        throw new ValidationError(
          'keyvStore: clear() without a Keyv namespace, a prefix or a kit namespace would delete every key of the database',
        )
      for await (const page of scan(store.namespace)) {
        const batch = page.filter(ours)
        if (batch.length > 0) await driver.del(batch)
      }
    },
    async *iterator(namespace?: string): AsyncGenerator<[string, unknown], void> {
      for await (const page of scan(namespace)) {
        const batch = page.filter(ours)
        if (batch.length === 0) continue
        const values = await driver.mget(batch)
        for (const [index, key] of batch.entries()) {
          const value = values[index]
          if (value !== null && value !== undefined) yield [decodeKey(key.slice(base.length)), decode(value)]
        }
      }
    },
    async disconnect(): Promise<void> {
      if (options.closeOnDisconnect) await close()
    },
  }
  return store as unknown as CachekitKeyvStore
}

// `%` marks an escaped segment, so a segment of Keyv's that starts with `%` is escaped
// too: the mapping stays one-to-one and every stored key decodes to the key Keyv sent.
function encodeKey(key: string): string {
  if (!key.includes('__') && !key.includes('%')) return key
  return key
    .split(':')
    .map((segment) => (segment.startsWith('__') || segment.startsWith('%') ? `%${segment}` : segment))
    .join(':')
}

function decodeKey(stored: string): string {
  if (!stored.includes('%')) return stored
  return stored
    .split(':')
    .map((segment) => (segment.startsWith('%') ? segment.slice(1) : segment))
    .join(':')
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

function decode(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return undefined
  return text.startsWith(JSON_MARKER) ? JSON.parse(text.slice(JSON_MARKER.length)) : text
}
