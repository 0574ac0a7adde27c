/**
 * cachekit with Express: run it with `npm run example:express`. It starts the app on a
 * free loopback port, calls it the way clients would, prints what happened, and stops.
 * The memory driver by default; set REDIS_URL to run the same app on Redis.
 */
import { createCachekit } from 'cachekit'
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { createApp, db, rateLimits } from './app'

const driver = process.env.REDIS_URL ? ioredisDriver({ url: process.env.REDIS_URL }) : undefined
const kit = createCachekit({ driver, prefix: 'express-example', rateLimits })
await kit.cache.clear()
const server = createApp(kit).listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
// A fresh client id per run, so a run on a shared Redis starts with a full quota.
const client = { 'x-api-key': randomUUID() }

const first = await fetch(`${base}/videos?page=1`, { headers: client })
const second = await fetch(`${base}/videos?page=1`, { headers: client })
console.log(`cache     ${first.headers.get('x-cache')} then ${second.headers.get('x-cache')}; queries: ${db.queries}; ${second.headers.get('ratelimit')}`)

const ada = await fetch(`${base}/me/feed`, { headers: { authorization: 'Bearer ada' } })
const grace = await fetch(`${base}/me/feed`, { headers: { authorization: 'Bearer grace' } })
console.log(`per user  ada: ${(await ada.json()).for}, grace: ${(await grace.json()).for} (${grace.headers.get('x-cache')})`)

const limited = await fetch(`${base}/videos?page=2`, { headers: client })
const refused = await fetch(`${base}/videos?page=3`, { headers: client })
console.log(`limit     ${limited.status}, then ${refused.status} retry after ${refused.headers.get('retry-after')} s: ${JSON.stringify(await refused.json())}`)

const searches = []
for (let index = 0; index < 3; index++) searches.push((await fetch(`${base}/search?q=cats`, { headers: client })).status)
console.log(`erl store ${searches.join(', ')}`)

await fetch(`${base}/videos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'New' }) })
const afterWrite = await fetch(`${base}/videos?page=1`, { headers: { 'x-api-key': randomUUID() } })
console.log(`tags      after a write: ${afterWrite.headers.get('x-cache')}`)

const health = await fetch(`${base}/admin/cache/health`, { headers: { authorization: 'Bearer admin-secret' } })
console.log(`admin     health ${health.status} ${(await health.json()).status}`)

server.close()
await kit.close()
