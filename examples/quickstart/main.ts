/**
 * cachekit quickstart: typed keys and the cache on the in-memory driver, so no server is
 * needed. Run it with `npm start`. Set REDIS_URL to run the same code on Redis.
 *
 * (Inside this repository `cachekit` resolves to src/ through tsconfig.json `paths`; in
 * your app it is the installed package.)
 */
import { createCachekit, defineKeys, typed } from 'cachekit'
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import { z } from 'zod'

// One place names every key: its template, TTL, grace, schema and tags.
const User = z.object({ id: z.number(), name: z.string(), joined: z.date() })

const keys = defineKeys({
  user: { template: 'user:{id}', ttl: '1h', schema: User, tags: ({ id }) => [`user:${id}`] },
  trending: { template: 'videos:trending', ttl: '100ms', grace: '1h', value: typed<string[]>() },
})

// The memory driver is the default; any driver works the same.
const driver = process.env.REDIS_URL ? ioredisDriver({ url: process.env.REDIS_URL }) : undefined
const kit = createCachekit({ driver, prefix: 'demo', environment: 'dev', keys })

// A pretend database that counts its queries.
const db = {
  queries: 0,
  async user(id: number) {
    this.queries++
    await sleep(20)
    return { id, name: 'Ada', joined: new Date('2024-03-01T00:00:00Z') }
  },
  async trending(round: number) {
    this.queries++
    await sleep(20)
    return [`video-${round}a`, `video-${round}b`]
  },
}

// Cache-aside: the first call misses and loads, the second is a hit. The value is a typed User.
const first = await kit.cache.getOrSet(keys.user({ id: 42 }), () => db.user(42))
const again = await kit.cache.getOrSet(keys.user({ id: 42 }), () => db.user(42))
show('miss/hit', `${again.name} joined ${again.joined.toISOString().slice(0, 10)}; same value: ${first.name === again.name}; queries: ${db.queries}`)

// Stampede protection: 100 concurrent misses on one key share one query.
db.queries = 0
const crowd = await Promise.all(Array.from({ length: 100 }, () => kit.cache.getOrSet(keys.user({ id: 7 }), () => db.user(7))))
show('stampede', `${crowd.length} callers, ${db.queries} query`)

// Stale-while-revalidate: past its TTL but within grace, the stale value comes back at
// once while one background refresh replaces it.
db.queries = 0
await kit.cache.getOrSet(keys.trending(), () => db.trending(1))
await sleep(150)
const stale = await kit.cache.getOrSet(keys.trending(), () => db.trending(2))
await sleep(50)
const fresh = await kit.cache.getOrSet(keys.trending(), () => db.trending(3))
show('stale', `after the TTL: ${stale.join(', ')} (served at once), then: ${fresh.join(', ')}; queries: ${db.queries}`)

// Write-through: store what the database write returns.
await kit.cache.update(keys.user({ id: 42 }), async () => ({ id: 42, name: 'Ada Lovelace', joined: new Date('2024-03-01T00:00:00Z') }))
show('update', `user 42 is now ${(await kit.cache.get(keys.user({ id: 42 })))?.name}`)

// Hit rates per key family, for the 70-80% targets teams set.
const stats = kit.cache.stats()
show('stats', `user: ${stats.user?.hits} hits, ${stats.user?.misses} misses, ${stats.user?.loads} loads; trending: ${stats.trending?.staleHits} stale hit`)

// Every key lives under the kit's namespace.
show('keys', kit.cache.keyOf(keys.user({ id: 42 })))

await kit.close()

function show(step: string, text: string): void {
  console.log(`${step.padEnd(9)} ${text}`)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
