/** cacheable as its README sets it up: a CacheableMemory primary, @keyv/redis as secondary (or as the only store), `getOrSet`. */
import KeyvRedis from '@keyv/redis'
import { Cacheable, CacheableMemory } from 'cacheable'
import { Keyv } from 'keyv'
import { keyNames, NO_LOADER, type CacheSubject, type SubjectConfig } from './subject.js'

export async function cacheableSubject(config: SubjectConfig): Promise<CacheSubject> {
  const memory = () => new Keyv({ store: new CacheableMemory({ ttl: config.ttlMs, lruSize: config.l1MaxEntries }) })
  const redis = () => new Keyv({ store: new KeyvRedis(config.redis.url), namespace: config.prefix })
  const cache =
    config.mode === 'memory'
      ? new Cacheable({ primary: memory(), ttl: config.ttlMs })
      : config.mode === 'redis'
        ? new Cacheable({ primary: redis(), ttl: config.ttlMs })
        : new Cacheable({ primary: memory(), secondary: redis(), ttl: config.ttlMs })
  const keys = keyNames(config.keyCount)
  const subject: CacheSubject = {
    id: 'cacheable',
    label: 'cacheable',
    library: 'cacheable',
    kind: 'peer',
    loader: NO_LOADER,
    getOrSet: (key) => cache.getOrSet(keys[key]!, () => subject.loader(key), { ttl: config.ttlMs }),
    close: async () => void (await cache.disconnect()),
  }
  return subject
}
