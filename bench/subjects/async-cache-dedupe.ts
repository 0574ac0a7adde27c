/** async-cache-dedupe as its README sets it up: createCache with memory or redis storage, one `define`d function. No tiered mode. */
import { createCache } from 'async-cache-dedupe'
import { Redis } from 'ioredis'
import { NO_LOADER, type CacheSubject, type SubjectConfig } from './subject.js'

export async function asyncCacheDedupeSubject(config: SubjectConfig): Promise<CacheSubject | undefined> {
  if (config.mode === 'tiered') return undefined
  const client = config.mode === 'redis' ? new Redis(config.redis.url) : undefined
  const storage = client
    ? { type: 'redis' as const, options: { client } }
    : { type: 'memory' as const, options: { size: config.l1MaxEntries } }
  const cache = createCache({ ttl: Math.ceil(config.ttlMs / 1000), storage })
  // The function name is part of every stored key: it carries the subject's prefix.
  const name = `item_${config.prefix.replace(/[^A-Za-z0-9]/g, '_')}`
  const subject: CacheSubject = {
    id: 'async-cache-dedupe',
    label: 'async-cache-dedupe',
    library: 'async-cache-dedupe',
    kind: 'peer',
    loader: NO_LOADER,
    getOrSet: undefined as unknown as CacheSubject['getOrSet'],
    close: async () => void client?.disconnect(),
  }
  cache.define(name, (key: number) => subject.loader(key))
  const fetch = (cache as unknown as Record<string, (key: number) => Promise<unknown>>)[name]!
  subject.getOrSet = (key) => fetch(key)
  return subject
}
