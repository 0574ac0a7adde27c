/**
 * cachekit on the edge with Hono: run it with `npm run example:upstash-edge`. It calls the
 * app's fetch handler the way an edge runtime does, prints what happened, and exits.
 * With UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN it runs on Upstash; else on
 * REDIS_URL; else on the memory driver.
 */
import { createCachekit } from 'cachekit'
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import { upstashDriver } from 'cachekit/drivers/upstash'
import { createApp, origin, rateLimits } from './app'

const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token, REDIS_URL } = process.env
const driver = url && token ? upstashDriver({ url, token }) : REDIS_URL ? ioredisDriver({ url: REDIS_URL }) : undefined
const kit = createCachekit({ driver, prefix: 'edge-example', rateLimits })
await kit.cache.clear()
const app = createApp(kit)
// A fresh client address per run, so a run on a shared Redis starts with a full bucket.
const client = crypto.randomUUID()
const call = (path: string) => app.fetch(new Request(`https://edge.example${path}`, { headers: { 'cf-connecting-ip': client } }))

console.log(`driver    ${kit.driver.name}`)
const first = await call('/api/weather/paris')
const second = await call('/api/weather/paris')
console.log(`cache     ${first.headers.get('x-cache')} then ${second.headers.get('x-cache')}; origin fetches: ${origin.fetches}; ${second.headers.get('ratelimit')}`)
const third = await call('/api/weather/oslo')
const fourth = await call('/api/weather/rome')
console.log(`limit     ${third.status}, then ${fourth.status}: ${JSON.stringify(await fourth.json())}`)
await kit.close()
