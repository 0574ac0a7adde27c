/**
 * Starts the servers every test file shares, once per `vitest run`, and hands their
 * addresses to tests through `provide`/`inject`. Tests that kill or flush a server start
 * their own (see redis-server.ts) so they never disturb these.
 */
import type { TestProject } from 'vitest/node'
import { startRedisServer } from './redis-server.js'
import { startUpstashServer } from './upstash-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** redis://host:port of the shared isolated redis-server. */
    redisUrl: string
    /** http://127.0.0.1:port of the shared Upstash REST stand-in (upstash-server.ts). */
    upstashUrl: string
    /** The bearer token of that server. */
    upstashToken: string
    /** redis://host:port of the redis-server behind it (its own, so SCRIPT FLUSH there disturbs nobody else). */
    upstashRedisUrl: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedisServer()
  project.provide('redisUrl', redis.url)
  const upstashRedis = await startRedisServer()
  const upstash = await startUpstashServer({ redisUrl: upstashRedis.url })
  project.provide('upstashUrl', upstash.url)
  project.provide('upstashToken', upstash.token)
  project.provide('upstashRedisUrl', upstashRedis.url)
  return async () => {
    await upstash.stop()
    await upstashRedis.stop()
    await redis.stop()
  }
}
