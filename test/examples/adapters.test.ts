/**
 * The adapter examples, run as users run them (`npm run example:<name>`), as child
 * processes: on the memory driver, and on a real Redis (REDIS_URL) or the Upstash
 * stand-in where the example offers it. Their output is the specification.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

function runExample(name: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', `example:${name}`, '--silent'], { cwd: root, env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.once('error', reject)
    child.once('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })
}

function expectClean(run: Run): string[] {
  expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn'))).toEqual([])
  expect(run.status).toBe(0)
  return run.stdout.trimEnd().split('\n')
}

// Ten examples start at once (describe.concurrent), each a tsx child process: on a loaded
// 2-core machine one takes 15-25 s, past vitest's default 20 s.
const EXAMPLE_TIMEOUT_MS = 90_000

const drivers = [{ driver: 'memory', env: () => ({}) }, { driver: 'redis', env: () => ({ REDIS_URL: inject('redisUrl') }) }]

describe.concurrent('adapter examples', () => {
  it.each(drivers)('examples/express on $driver (npm run example:express)', async ({ env }) => {
    const lines = expectClean(await runExample('express', env()))
    expect(lines).toHaveLength(6)
    expect(lines[0]).toMatch(/^cache {5}MISS then HIT; queries: 1; "api";r=2;t=\d+$/)
    expect(lines[1]).toBe('per user  ada: ada, grace: grace (MISS)')
    expect(lines[2]).toMatch(/^limit {5}200, then 429 retry after \d+ s: \{"error":"Too Many Requests","policy":"api","retryAfter":\d+\}$/)
    expect(lines.slice(3)).toEqual(['erl store 200, 200, 429', 'tags      after a write: MISS', 'admin     health 200 healthy'])
  }, EXAMPLE_TIMEOUT_MS)

  it.each(drivers)('examples/nestjs on $driver (npm run example:nestjs)', async ({ env }) => {
    expect(expectClean(await runExample('nestjs', env()))).toEqual([
      'cache     MISS then HIT; queries: 1',
      'per user  ada: ada, grace: grace (MISS)',
      'limit     201, 201, 429',
      'tags      after an edit: MISS, queries: 3',
    ])
  }, EXAMPLE_TIMEOUT_MS)

  it.each(drivers)('examples/trpc on $driver (npm run example:trpc)', async ({ env }) => {
    expect(expectClean(await runExample('trpc', env()))).toEqual([
      'cache     two calls, 1 query',
      'per user  ada, grace',
      'limit     ok, ok, TOO_MANY_REQUESTS',
      'tags      after an upload: 2 queries',
    ])
  }, EXAMPLE_TIMEOUT_MS)

  it.each(drivers)('examples/keyv on $driver (npm run example:keyv)', async ({ env }) => {
    expect(expectClean(await runExample('keyv', env()))).toEqual(['keyv      {"name":"Ada"} at keyv-example:keyv:users:ada', 'manager   two wraps, 1 load'])
  }, EXAMPLE_TIMEOUT_MS)

  it.each([
    { driver: 'memory', env: () => ({}) },
    { driver: 'upstash', env: () => ({ UPSTASH_REDIS_REST_URL: inject('upstashUrl'), UPSTASH_REDIS_REST_TOKEN: inject('upstashToken') }) },
  ])('examples/upstash-edge on $driver (npm run example:upstash-edge)', async ({ driver, env }) => {
    const lines = expectClean(await runExample('upstash-edge', env()))
    expect(lines[0]).toBe(`driver    ${driver}`)
    expect(lines[1]).toMatch(/^cache {5}MISS then HIT; origin fetches: 1; "api";r=1;t=\d+$/)
    expect(lines[2]).toMatch(/^limit {5}200, then 429: \{"error":"Too Many Requests","policy":"api","retryAfter":\d+\}$/)
    expect(lines).toHaveLength(3)
  }, EXAMPLE_TIMEOUT_MS)
})
