/**
 * cachekit with NestJS: run it with `npm run example:nestjs`. It starts the app on a free
 * loopback port, calls it, prints what happened, and closes it (which closes the kit).
 * The memory driver by default; set REDIS_URL to run the same app on Redis.
 */
import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import type { Cachekit } from 'cachekit'
import { CACHEKIT } from 'cachekit/nestjs'
import { AppModule, db, rateLimits } from './app.module'

const app = await NestFactory.create(AppModule, { logger: false })
const kit = app.get<Cachekit<undefined, typeof rateLimits>>(CACHEKIT)
// Start from a clean slate, so a run on a shared Redis prints the same as the first.
await kit.cache.clear()
await kit.rateLimits.limiter('likes').reset('ada')
await app.listen(0, '127.0.0.1')
const base = (await app.getUrl()).replace('[::1]', '127.0.0.1')

const first = await fetch(`${base}/videos/7`)
const second = await fetch(`${base}/videos/7`)
console.log(`cache     ${first.headers.get('x-cache')} then ${second.headers.get('x-cache')}; queries: ${db.queries}`)

const ada = await fetch(`${base}/me/feed`, { headers: { authorization: 'Bearer ada' } })
const grace = await fetch(`${base}/me/feed`, { headers: { authorization: 'Bearer grace' } })
console.log(`per user  ada: ${(await ada.json()).for}, grace: ${(await grace.json()).for} (${grace.headers.get('x-cache')})`)

const likes = []
for (let index = 0; index < 3; index++) likes.push((await fetch(`${base}/videos/7/like`, { method: 'POST', headers: { authorization: 'Bearer ada' } })).status)
console.log(`limit     ${likes.join(', ')}`)

await fetch(`${base}/videos/8`)
await fetch(`${base}/videos/8/edit`, { method: 'POST' })
const service = await fetch(`${base}/videos/8`)
console.log(`tags      after an edit: ${service.headers.get('x-cache')}, queries: ${db.queries}`)

await app.close()
