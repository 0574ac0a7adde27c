/**
 * The benchmark's own redis-server: a fresh process on a free port from the system binary,
 * no persistence, never the server on 6379, so CONFIG RESETSTAT and INFO commandstats see
 * only the benchmark's commands.
 */
import { RedisMemoryServer } from 'redis-memory-server'

export const REDIS_BINARY = process.env.REDISMS_SYSTEM_BINARY ?? '/usr/bin/redis-server'

export interface BenchRedis {
  host: string
  port: number
  url: string
  stop(): Promise<void>
}

/** Starts an isolated redis-server for this run. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const server = await RedisMemoryServer.create({
    binary: { systemBinary: REDIS_BINARY },
    instance: { args: ['--save', '', '--appendonly', 'no', '--maxmemory', '0'] },
  })
  const host = await server.getHost()
  const port = await server.getPort()
  if (port === 6379) throw new Error('refusing to benchmark against port 6379')
  return { host, port, url: `redis://${host}:${port}`, stop: async () => void (await server.stop()) }
}
