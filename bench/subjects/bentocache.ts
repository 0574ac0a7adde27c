/** BentoCache as its README sets it up: bentostore() with an L1 memory layer, an L2 Redis layer and a Redis bus. */
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis'
import { keyNames, NO_LOADER, type CacheSubject, type SubjectConfig } from './subject.js'

export interface BentoVariant {
  /** The memory driver's `serialize` option (default true: L1 holds JSON text). */
  serializeL1?: boolean
}

export async function bentocacheSubject(config: SubjectConfig, variant: BentoVariant = {}): Promise<CacheSubject> {
  const connection = { host: config.redis.host, port: config.redis.port, db: config.redis.db ?? 0 }
  const store = bentostore()
  if (config.mode !== 'redis') store.useL1Layer(memoryDriver({ maxItems: config.l1MaxEntries, serialize: variant.serializeL1 }))
  if (config.mode !== 'memory') store.useL2Layer(redisDriver({ connection }))
  if (config.mode === 'tiered') store.useBus(redisBusDriver({ connection }))
  const bento = new BentoCache({ default: 'cache', prefix: config.prefix, stores: { cache: store } })
  const keys = keyNames(config.keyCount)
  const custom = variant.serializeL1 === false
  const subject: CacheSubject = {
    id: custom ? 'bentocache-noserialize' : 'bentocache',
    label: custom ? 'BentoCache (L1 serialize: false)' : 'BentoCache',
    library: 'bentocache',
    kind: 'peer',
    loader: NO_LOADER,
    getOrSet: (key) => bento.getOrSet({ key: keys[key]!, factory: () => subject.loader(key), ttl: config.ttlMs }),
    close: () => bento.disconnect(),
  }
  return subject
}
