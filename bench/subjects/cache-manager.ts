/** cache-manager 7 as its README sets it up: Keyv stores (CacheableMemory in memory, @keyv/redis for Redis), `wrap`. */
import KeyvRedis from '@keyv/redis'
import { createCache } from 'cache-manager'
import { CacheableMemory } from 'cacheable'
import { Keyv } from 'keyv'
import { keyNames, NO_LOADER, type CacheSubject, type SubjectConfig } from './subject.js'

export async function cacheManagerSubject(config: SubjectConfig): Promise<CacheSubject> {
  const stores: Keyv[] = []
  if (config.mode !== 'redis') stores.push(new Keyv({ store: new CacheableMemory({ ttl: config.ttlMs, lruSize: config.l1MaxEntries }) }))
  if (config.mode !== 'memory') stores.push(new Keyv({ store: new KeyvRedis(config.redis.url), namespace: config.prefix }))
  const cache = createCache({ stores, ttl: config.ttlMs })
  const keys = keyNames(config.keyCount)
  const subject: CacheSubject = {
    id: 'cache-manager',
    label: 'cache-manager',
    library: 'cache-manager',
    kind: 'peer',
    loader: NO_LOADER,
    getOrSet: (key) => cache.wrap(keys[key]!, () => subject.loader(key), config.ttlMs),
    close: async () => void (await cache.disconnect()),
  }
  return subject
}
