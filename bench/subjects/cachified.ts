/** @epic-web/cachified with the lru-cache adapter from its README. In-process only: its README points to third-party Redis adapters. */
import { cachified, totalTtl, type Cache, type CacheEntry } from '@epic-web/cachified'
import { LRUCache } from 'lru-cache'
import { keyNames, NO_LOADER, type CacheSubject, type SubjectConfig } from './subject.js'

export async function cachifiedSubject(config: SubjectConfig): Promise<CacheSubject | undefined> {
  if (config.mode !== 'memory') return undefined
  const lruInstance = new LRUCache<string, CacheEntry>({ max: config.l1MaxEntries })
  const lru: Cache = {
    set(key, value) {
      const ttl = totalTtl(value?.metadata)
      return lruInstance.set(key, value, { ttl: ttl === Infinity ? undefined : ttl, start: value?.metadata?.createdTime })
    },
    get(key) {
      return lruInstance.get(key)
    },
    delete(key) {
      return lruInstance.delete(key)
    },
  }
  const keys = keyNames(config.keyCount)
  const subject: CacheSubject = {
    id: 'cachified',
    label: 'cachified',
    library: '@epic-web/cachified',
    kind: 'peer',
    loader: NO_LOADER,
    getOrSet: (key) => cachified({ key: keys[key]!, cache: lru, getFreshValue: () => subject.loader(key), ttl: config.ttlMs }),
    close: async () => {},
  }
  return subject
}
