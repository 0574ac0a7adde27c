/**
 * examples/nextjs as a user deploys it: `next build`, then `next start` on a free loopback
 * port, exercised over HTTP with fetch. The route handler runs on the Node.js runtime with
 * the memory driver; the middleware runs on the edge runtime against the Upstash stand-in
 * (the driver Next.js deployments on the edge use).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { rawRedis } from '../support/raw-redis.js'

const root = join(import.meta.dirname, '..', '..')
const app = join(root, 'examples', 'nextjs')
const next = join(root, 'node_modules', '.bin', 'next')

let server: ChildProcess | undefined
let url: string
let buildMs: number

beforeAll(async () => {
  const started = Date.now()
  const build = spawnSync(next, ['build'], {
    cwd: app,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  })
  buildMs = Date.now() - started
  if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}\n${build.stderr}`)
  server = spawn(next, ['start', '--hostname', '127.0.0.1', '--port', '0'], {
    cwd: app,
    env: {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      UPSTASH_REDIS_REST_URL: inject('upstashUrl'),
      UPSTASH_REDIS_REST_TOKEN: inject('upstashToken'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  url = await new Promise<string>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`next start printed no URL within 30 s:\n${output}`)), 30_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[0])
      }
    }
    server?.stdout?.on('data', read)
    server?.stderr?.on('data', read)
    server?.once('exit', (code) => reject(new Error(`next start exited with ${code}:\n${output}`)))
  })
}, 240_000)

afterAll(async () => {
  if (server?.pid === undefined || server.exitCode !== null) return
  const exited = new Promise((resolve) => server?.once('exit', resolve))
  server.kill('SIGTERM')
  await exited
})

describe('examples/nextjs (next build && next start)', () => {
  it('builds in reasonable time', () => {
    // A generous bound that only proves the build does not hang.
    expect(buildMs).toBeLessThan(180_000)
  })

  it('answers the cached route handler with MISS, then HIT and the same body', async () => {
    const client = { 'x-forwarded-for': '203.0.113.1' }
    const miss = await fetch(`${url}/api/videos?page=2`, { headers: client })
    const hit = await fetch(`${url}/api/videos?page=2`, { headers: client })
    expect(miss.status).toBe(200)
    expect(miss.headers.get('x-cache')).toBe('MISS')
    expect(hit.headers.get('x-cache')).toBe('HIT')
    const body = await miss.json()
    expect(await hit.json()).toEqual(body)
    expect(body).toMatchObject({
      page: 2,
      videos: [
        { id: 4, title: 'Video 4' },
        { id: 5, title: 'Video 5' },
        { id: 6, title: 'Video 6' },
      ],
    })
    const revalidated = await fetch(`${url}/api/videos?page=2`, {
      headers: { ...client, 'if-none-match': hit.headers.get('etag') as string },
    })
    expect(revalidated.status).toBe(304)
  })

  it('invalidates the cached pages by tag: the next request is a MISS again', async () => {
    const client = { 'x-forwarded-for': '203.0.113.2' }
    await fetch(`${url}/api/videos?page=3`, { headers: client })
    expect((await fetch(`${url}/api/videos?page=3`, { headers: client })).headers.get('x-cache')).toBe('HIT')
    const revalidate = await fetch(`${url}/api/videos/revalidate`, { method: 'POST', headers: client })
    expect(await revalidate.json()).toEqual({ invalidated: ['videos'] })
    expect((await fetch(`${url}/api/videos?page=3`, { headers: client })).headers.get('x-cache')).toBe('MISS')
  })

  it('rate-limits /api in edge middleware: 5 a minute per client, then 429 with Retry-After', async () => {
    const client = { 'x-forwarded-for': '203.0.113.9' }
    const statuses: number[] = []
    let last: Response | undefined
    for (let index = 0; index < 6; index++) {
      last = await fetch(`${url}/api/videos?page=1`, { headers: client })
      statuses.push(last.status)
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
    expect(await last?.json()).toEqual({ error: 'Too Many Requests', policy: 'api', retryAfter: expect.any(Number) })
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0)
    const other = await fetch(`${url}/api/videos?page=1`, { headers: { 'x-forwarded-for': '203.0.113.10' } })
    expect(other.status).toBe(200)
    expect(other.headers.get('ratelimit')).toMatch(/^"api";r=4;t=\d+$/)
  })

  it('counts a client that invents a leading X-Forwarded-For entry with every request once: the entry the proxy wrote counts', async () => {
    const statuses: number[] = []
    for (let index = 1; index <= 8; index++) {
      // The test stands in for the proxy in front (Vercel, nginx): the client's claim, then the address the proxy saw.
      const answer = await fetch(`${url}/api/videos?page=1`, {
        headers: { 'x-forwarded-for': `198.51.100.${index}, 203.0.113.11`, 'x-api-key': `invented-${index}` },
      })
      await answer.arrayBuffer()
      statuses.push(answer.status)
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429])
  })

  it('counts in Redis through the Upstash REST API, so every edge instance shares the limit', async () => {
    const redis = rawRedis(inject('upstashRedisUrl'))
    try {
      // SCAN may answer a page with no match before the end: follow the cursor to 0.
      const keys: string[] = []
      let cursor = '0'
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', 'next-example:__rl*', 'COUNT', 1000)
        cursor = next
        keys.push(...batch)
      } while (cursor !== '0')
      expect(keys.length).toBeGreaterThan(0)
    } finally {
      redis.disconnect()
    }
  })
})
