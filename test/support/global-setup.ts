/**
 * Starts the servers every test file shares, once per `vitest run`, and hands their
 * addresses to tests through `provide`/`inject`. Tests that kill or flush a server start
 * their own (see redis-server.ts) so they never disturb these.
 */
import type { TestProject } from 'vitest/node'
import { startRedisServer } from './redis-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** redis://host:port of the shared isolated redis-server. */
    redisUrl: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedisServer()
  project.provide('redisUrl', redis.url)
  return async () => {
    await redis.stop()
  }
}
