/**
 * Which server the CLI talks to: `--url` (redis://, rediss://, https:// for Upstash, or
 * memory: for an in-process driver), else REDIS_URL, else UPSTASH_REDIS_REST_URL and
 * UPSTASH_REDIS_REST_TOKEN. Driver modules load only when used, so a Redis user needs
 * no @upstash/redis and the other way round.
 */
import { ValidationError } from '../core/errors/index.js'
import type { Driver } from '../drivers/driver.js'
import { memoryDriver } from '../drivers/memory/index.js'
import { integerOption, stringOption, type CliArguments } from './args.js'

/** A driver and a printable description of where it points (no credentials). */
export interface Connection {
  readonly driver: Driver
  readonly target: string
  /** Strings that must never be printed. */
  readonly secrets: readonly string[]
}

/** Opens the connection the arguments and environment describe. @throws {ValidationError} when none is given. */
export async function connect(args: CliArguments, env: Readonly<Record<string, string | undefined>>): Promise<Connection> {
  const given = stringOption(args, 'url') ?? env.REDIS_URL ?? env.UPSTASH_REDIS_REST_URL
  // Cluster nodes may be given bare: 10.0.0.1:7000,10.0.0.2:7000
  const url = args.options.cluster === true && given !== undefined && !given.includes('://') ? `redis://${given}` : given
  const timeoutMs = integerOption(args, 'timeout', 0) || undefined
  const timeouts = timeoutMs === undefined ? {} : { commandTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs }
  if (url === undefined || url === '')
    throw new ValidationError(
      'no server given: pass --url redis://host:port, or set REDIS_URL (or UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN)',
    )
  if (url === 'memory:') return { driver: memoryDriver(), target: 'memory: (in process)', secrets: [] }
  const parsed = parseUrl(url)
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    const token = stringOption(args, 'token') ?? env.UPSTASH_REDIS_REST_TOKEN
    if (!token) throw new ValidationError('an Upstash URL needs a token: pass --token or set UPSTASH_REDIS_REST_TOKEN')
    const { upstashDriver } = await import('../drivers/upstash/index.js')
    return {
      driver: upstashDriver({ url, token, ...(timeoutMs === undefined ? {} : { commandTimeoutMs: timeoutMs }) }),
      target: `upstash ${parsed.origin}`,
      secrets: [token],
    }
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new ValidationError(`unsupported URL scheme ${parsed.protocol} (use redis://, rediss://, https:// or memory:)`)
  const { ioredisDriver } = await import('../drivers/ioredis/index.js')
  const secrets = [parsed.password, decodeURIComponent(parsed.password)].filter((secret) => secret.length > 0)
  const printable = `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`
  if (args.options.cluster === true) {
    const nodes = url.split(',').map((part) => {
      const node = parseUrl(part.includes('://') ? part : `${parsed.protocol}//${part}`)
      return { host: node.hostname, port: Number(node.port || 6379) }
    })
    const redisOptions = parsed.password
      ? { password: decodeURIComponent(parsed.password), username: decodeURIComponent(parsed.username) || undefined }
      : {}
    return {
      driver: ioredisDriver({ cluster: nodes, clusterOptions: { redisOptions }, ...timeouts }),
      target: `cluster ${nodes.map((node) => `${node.host}:${node.port}`).join(',')}`,
      secrets,
    }
  }
  return { driver: ioredisDriver({ url, ...timeouts }), target: printable, secrets }
}

function parseUrl(url: string): URL {
  try {
    return new URL(url.split(',')[0] as string)
  } catch {
    throw new ValidationError('--url is not a valid URL')
  }
}
