/**
 * Isolated redis-server processes for tests, on free ports, from the system binary
 * (redis-memory-server would otherwise try to download and compile Redis).
 */
import { RedisMemoryServer } from 'redis-memory-server'

export const REDIS_BINARY = process.env.REDISMS_SYSTEM_BINARY ?? '/usr/bin/redis-server'

export interface RedisServerHandle {
  host: string
  port: number
  url: string
  stop(): Promise<void>
}

/** Starts a throwaway redis-server (no persistence) and returns where it listens. */
export async function startRedisServer(): Promise<RedisServerHandle> {
  const server = await RedisMemoryServer.create({
    binary: { systemBinary: REDIS_BINARY },
    instance: { args: ['--save', '', '--appendonly', 'no'] },
  })
  const host = await server.getHost()
  const port = await server.getPort()
  return {
    host,
    port,
    url: `redis://${host}:${port}`,
    stop: async () => {
      await server.stop()
    },
  }
}
