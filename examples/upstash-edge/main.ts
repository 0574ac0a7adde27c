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
// A fresh client network per run (a random /56 of the documentation range), so a run on a shared Redis starts with a full bucket.
const [high, low] = crypto.getRandomValues(new Uint16Array(2))
const network = `2001:db8:${(high as number).toString(16)}:${((low as number) & 0xff00).toString(16)}`
// As Vercel's edge hands the request over: what the client claimed, then the address it saw.
const call = (path: string, claimed?: string, address = `${network}::1`) =>
  app.fetch(new Request(`https://edge.example${path}`, { headers: { 'x-forwarded-for': claimed ? `${claimed}, ${address}` : address } }))

console.log(`driver    ${kit.driver.name}`)
const first = await call('/api/weather/paris')
const second = await call('/api/weather/paris')
console.log(`cache     ${first.headers.get('x-cache')} then ${second.headers.get('x-cache')}; origin fetches: ${origin.fetches}; ${second.headers.get('ratelimit')}`)
// Invented leading entries change nothing: the client is the entry the trusted proxy wrote.
const third = await call('/api/weather/oslo', '198.51.100.7')
const fourth = await call('/api/weather/rome', '198.51.100.8')
console.log(`limit     ${third.status}, then ${fourth.status}: ${JSON.stringify(await fourth.json())}`)
const neighbour = await call('/api/weather/rome', undefined, `${network}::2`)
console.log(`subnet    another address of the same /56: ${neighbour.status}`)
await kit.close()
