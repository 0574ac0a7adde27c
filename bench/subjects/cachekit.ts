/** cachekit through its public API: createCachekit, defineKeys, ioredisDriver, kit.cache.getOrSet. */
import { createCachekit, defineKeys, typed, type Cachekit } from 'cachekit'
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import { memoryDriver } from 'cachekit/drivers/memory'
import type { Item } from '../harness/data.js'
import { NO_LOADER, type CacheSubject, type SubjectConfig } from './subject.js'

export interface CachekitVariant {
  /** Row id and label suffix. */
  id?: string
  label?: string
  /** Build the key object on every call instead of once up front. */
  keyPerCall?: boolean
  /** Override the mode's L1 choice (memory mode: l1 over the memory driver unless false). */
  l1?: boolean
  codec?: 'superjson' | 'json'
}

/** cachekit: memory mode is the memory driver with `l1: true`; redis mode is ioredisDriver without L1; tiered is ioredisDriver with `l1`. */
export async function cachekitSubject(config: SubjectConfig, variant: CachekitVariant = {}): Promise<CacheSubject> {
  const keys = defineKeys({ item: { template: 'item:{id}', ttl: config.ttlMs, value: typed<Item>() } })
  const l1Wanted = variant.l1 ?? config.mode !== 'redis'
  const kit: Cachekit<typeof keys> = createCachekit({
    driver: config.mode === 'memory' ? memoryDriver() : ioredisDriver({ url: config.redis.url }),
    prefix: config.prefix,
    keys,
    codec: variant.codec,
    l1: l1Wanted ? { maxEntries: config.l1MaxEntries } : false,
  })
  await kit.ready()
  const built = Array.from({ length: config.keyCount }, (_, id) => keys.item({ id }))
  const subject: CacheSubject = {
    id: variant.id ?? 'cachekit',
    label: `cachekit${variant.label ? ` (${variant.label})` : ''}`,
    library: 'cachekit',
    kind: 'cachekit',
    loader: NO_LOADER,
    getOrSet: variant.keyPerCall
      ? (key) => kit.cache.getOrSet(keys.item({ id: key }), () => subject.loader(key) as Promise<Item>)
      : (key) => kit.cache.getOrSet(built[key]!, () => subject.loader(key) as Promise<Item>),
    close: () => kit.close(),
  }
  return subject
}
