/**
 * cachekit with Express: run it with `npm run example:express`. It starts the app on a
 * free loopback port, calls it the way clients would, prints what happened, and stops.
 * The memory driver by default; set REDIS_URL to run the same app on Redis.
 */
import { createCachekit } from 'cachekit'
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import { expressRateLimitStore } from 'cachekit/express'
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { createApp, customers, db, rateLimits } from './app'

const driver = process.env.REDIS_URL ? ioredisDriver({ url: process.env.REDIS_URL }) : undefined
const kit = createCachekit({ driver, prefix: 'express-example', rateLimits })
const warnings: string[] = []
kit.events.on('warning', (warning) => warnings.push(warning.code))
await kit.cache.clear()
// Runs on a shared Redis start from full quotas: forget what earlier runs counted for this machine.
await kit.rateLimits.limiter('api').reset('127.0.0.1')
await expressRateLimitStore(kit, { prefix: 'search' }).resetKey('127.0.0.1')
const server = createApp(kit).listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
// The app issues API keys; a fresh customer per run, so a run on a shared Redis starts with a full quota.
const issue = () => {
  const apiKey = randomUUID()
  customers.set(apiKey, `customer-${apiKey.slice(0, 8)}`)
  return apiKey
}
const client = { 'x-api-key': issue() }

const first = await fetch(`${base}/videos?page=1`, { headers: client })
const second = await fetch(`${base}/videos?page=1`, { headers: client })
console.log(`cache     ${first.headers.get('x-cache')} then ${second.headers.get('x-cache')}; queries: ${db.queries}; ${second.headers.get('ratelimit')}`)

const ada = await fetch(`${base}/me/feed`, { headers: { authorization: 'Bearer ada' } })
const grace = await fetch(`${base}/me/feed`, { headers: { authorization: 'Bearer grace' } })
console.log(`per user  ada: ${(await ada.json()).for}, grace: ${(await grace.json()).for} (${grace.headers.get('x-cache')})`)

const limited = await fetch(`${base}/videos?page=2`, { headers: client })
const refused = await fetch(`${base}/videos?page=3`, { headers: client })
console.log(`limit     ${limited.status}, then ${refused.status} retry after ${refused.headers.get('retry-after')} s: ${JSON.stringify(await refused.json())}`)

// An attacker inventing an API key and a leading X-Forwarded-For with every request is still one client (its address).
const forged = []
for (let index = 1; index <= 10; index++) {
  forged.push((await fetch(`${base}/videos?page=9`, { headers: { 'x-api-key': `invented-${index}`, 'x-forwarded-for': `198.51.100.${index}` } })).status)
}
console.log(`forged    10 requests with invented keys: ${forged.filter((status) => status === 200).length} allowed; warnings: ${warnings.join(', ')}`)

const searches = []
for (let index = 0; index < 3; index++) searches.push((await fetch(`${base}/search?q=cats`, { headers: client })).status)
console.log(`erl store ${searches.join(', ')}`)

await fetch(`${base}/videos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'New' }) })
const afterWrite = await fetch(`${base}/videos?page=1`, { headers: { 'x-api-key': issue() } })
console.log(`tags      after a write: ${afterWrite.headers.get('x-cache')}`)

const health = await fetch(`${base}/admin/cache/health`, { headers: { authorization: 'Bearer admin-secret' } })
console.log(`admin     health ${health.status} ${(await health.json()).status}`)

server.close()
await kit.close()
