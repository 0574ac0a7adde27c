/**
 * Keyv and cache-manager on a cachekit driver: run it with `npm run example:keyv`. Code
 * written for Keyv (cache-manager v7, cacheable, @nestjs/cache-manager) moves to
 * cachekit's drivers (Redis, Cluster, Upstash) by changing its store. The memory driver by
 * default; set REDIS_URL to run on Redis.
 */
import { createCache } from 'cache-manager'
import { createCachekit } from 'cachekit'
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import { keyvStore } from 'cachekit/keyv'
import Keyv from 'keyv'

const driver = process.env.REDIS_URL ? ioredisDriver({ url: process.env.REDIS_URL }) : undefined
const kit = createCachekit({ driver, prefix: 'keyv-example' })

const keyv = new Keyv({ store: keyvStore(kit, { prefix: 'keyv' }), namespace: 'users' })
await keyv.clear()
await keyv.set('ada', { name: 'Ada' }, 60_000)
console.log(`keyv      ${JSON.stringify(await keyv.get('ada'))} at ${kit.namespace.prefix}keyv:users:ada`)

const cache = createCache({ stores: [new Keyv({ store: keyvStore(kit, { prefix: 'cm' }) })] })
let loads = 0
const loadVideo = async () => {
  loads++
  return { id: 7, title: 'Video 7' }
}
await cache.wrap('video:7', loadVideo, 60_000)
await cache.wrap('video:7', loadVideo, 60_000)
console.log(`manager   two wraps, ${loads} load`)

await kit.close()
