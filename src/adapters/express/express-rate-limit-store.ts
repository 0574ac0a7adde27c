/**
 * `expressRateLimitStore(kit)`: a Store for express-rate-limit backed by the kit's driver,
 * so an app already on express-rate-limit moves its counters to Redis, a Cluster or
 * Upstash by changing one line.
 */
import type { Options, Store, ClientRateLimitInfo } from 'express-rate-limit'
import { ValidationError } from '../../core/errors/index.js'
import type { Driver } from '../../drivers/driver.js'
import { escapeParam } from '../../keys/escape.js'
import type { Namespace } from '../../keys/namespace.js'
import { incrWithTtl } from '../../scripts/index.js'

/** Options of {@link expressRateLimitStore}. */
export interface ExpressRateLimitStoreOptions {
  /**
   * Separates the counters of several limiters on one kit: one store per limiter, each
   * with its own prefix.
   * @default 'default'
   * @example 'login'
   */
  prefix?: string
}

/** What the store needs of a kit. */
export interface RateLimitStoreKit {
  readonly driver: Driver
  readonly namespace: Namespace
}

/** The express-rate-limit `Store` that {@link expressRateLimitStore} returns. */
export interface CachekitRateLimitStore extends Store {
  readonly prefix: string
  readonly localKeys: false
}

const BATCH = 500

/**
 * A fixed-window counter per client: one atomic `INCRBY` that sets the window's expiry on
 * the first hit (so a counter can never outlive its window), plus a `PTTL` for the reset
 * time. Counters live at `<namespace>__erl:<prefix>:<client key>`, escaped. When Redis is
 * away the store's calls reject with the driver's error: express-rate-limit then passes it
 * to `next(err)`, or lets the request through with `passOnStoreError: true`.
 *
 * @example
 * app.use(rateLimit({ windowMs: 15 * 60 * 1000, limit: 100, store: expressRateLimitStore(kit, { prefix: 'api' }) }))
 */
export function expressRateLimitStore(kit: RateLimitStoreKit, options: ExpressRateLimitStoreOptions = {}): CachekitRateLimitStore {
  const prefix = options.prefix ?? 'default'
  if (typeof prefix !== 'string' || prefix.length === 0)
    throw new ValidationError('expressRateLimitStore: prefix must be a non-empty string')
  const base = `${kit.namespace.prefix}__erl:${escapeParam(prefix, 'prefix')}:`
  const keyOf = (clientKey: string): string => base + escapeParam(clientKey, 'client key')
  let windowMs = 60_000
  return {
    prefix,
    localKeys: false,
    init(limiterOptions: Options): void {
      windowMs = limiterOptions.windowMs
    },
    async get(clientKey: string): Promise<ClientRateLimitInfo | undefined> {
      const key = keyOf(clientKey)
      const [hits, ttlMs] = await Promise.all([kit.driver.get(key), kit.driver.pttl(key)])
      if (hits === null) return undefined
      return { totalHits: Number(hits), resetTime: ttlMs > 0 ? new Date(Date.now() + ttlMs) : undefined }
    },
    async increment(clientKey: string): Promise<ClientRateLimitInfo> {
      const key = keyOf(clientKey)
      const totalHits = await kit.driver.eval(incrWithTtl, [key], ['1', String(windowMs)])
      const ttlMs = await kit.driver.pttl(key)
      return { totalHits, resetTime: new Date(Date.now() + (ttlMs > 0 ? ttlMs : windowMs)) }
    },
    async decrement(clientKey: string): Promise<void> {
      // Through the same script, so even a decrement after expiry leaves a key that expires.
      await kit.driver.eval(incrWithTtl, [keyOf(clientKey)], ['-1', String(windowMs)])
    },
    async resetKey(clientKey: string): Promise<void> {
      await kit.driver.del([keyOf(clientKey)])
    },
    async resetAll(): Promise<void> {
      for await (const batch of kit.driver.scan(`${base}*`, { count: BATCH })) {
        if (batch.length > 0) await kit.driver.del(batch)
      }
    },
  }
}
