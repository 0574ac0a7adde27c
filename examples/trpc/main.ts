/**
 * cachekit in tRPC procedures: run it with `npm run example:trpc`. It serves the router
 * with tRPC's standalone HTTP adapter on a free loopback port, calls it with the tRPC
 * client, prints what happened, and stops. The memory driver by default; set REDIS_URL
 * to run on Redis.
 */
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client'
import { createHTTPServer } from '@trpc/server/adapters/standalone'
import { createCachekit } from 'cachekit'
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import type { AddressInfo } from 'node:net'
import { appRouter, db, rateLimits, type AppRouter } from './router'

const driver = process.env.REDIS_URL ? ioredisDriver({ url: process.env.REDIS_URL }) : undefined
const kit = createCachekit({ driver, prefix: 'trpc-example', rateLimits })
// Start from a clean slate, so a run on a shared Redis prints the same as the first.
await kit.cache.clear()
await kit.rateLimits.limiter('upload').reset('ada')

const server = createHTTPServer({
  router: appRouter,
  // x-user stands in for your auth (a verified session or JWT); the address is the peer's, as no proxy is in front.
  createContext: ({ req }) => ({ kit, userId: req.headers['x-user'] as string | undefined, ip: req.socket.remoteAddress }),
})
server.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const client = (user?: string) => createTRPCClient<AppRouter>({ links: [httpLink({ url, headers: user ? { 'x-user': user } : {} })] })

const ada = client('ada')
await ada.videos.query({ page: 1 })
await ada.videos.query({ page: 1 })
console.log(`cache     two calls, ${db.queries} query`)
const mine = await ada.myUploads.query()
const theirs = await client('grace').myUploads.query()
console.log(`per user  ${mine.owner}, ${theirs.owner}`)
const uploads: string[] = []
for (let index = 0; index < 3; index++) {
  try {
    await ada.upload.mutate()
    uploads.push('ok')
  } catch (error) {
    uploads.push(error instanceof TRPCClientError ? String(error.data?.code) : 'error')
  }
}
console.log(`limit     ${uploads.join(', ')}`)
await ada.videos.query({ page: 1 })
console.log(`tags      after an upload: ${db.queries} queries`)

server.close()
await kit.close()
