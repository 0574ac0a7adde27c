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
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000)
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

const drivers = [
  { driver: 'memory', env: () => ({}) },
  { driver: 'redis', env: () => ({ REDIS_URL: inject('redisUrl') }) },
]

// Ten tsx processes at once: on a loaded 2-core machine one takes 40 s, well past the default timeout.
describe.concurrent('adapter examples', { timeout: 120_000 }, () => {
  it.each(drivers)('examples/express on $driver (npm run example:express)', async ({ env }) => {
    const lines = expectClean(await runExample('express', env()))
    expect(lines).toHaveLength(7)
    expect(lines[0]).toMatch(/^cache {5}MISS then HIT; queries: 1; "api";r=2;t=\d+$/)
    expect(lines[1]).toBe('per user  ada: ada, grace: grace (MISS)')
    expect(lines[2]).toMatch(/^limit {5}200, then 429 retry after \d+ s: \{"error":"Too Many Requests","policy":"api","retryAfter":\d+\}$/)
    expect(lines.slice(3)).toEqual([
      'forged    10 requests with invented keys: 3 allowed; warnings: UNTRUSTED_FORWARDED_FOR',
      'erl store 200, 200, 429',
      'tags      after a write: MISS',
      'admin     health 200 healthy',
    ])
  })

  it.each(drivers)('examples/nestjs on $driver (npm run example:nestjs)', async ({ env }) => {
    expect(expectClean(await runExample('nestjs', env()))).toEqual([
      'cache     MISS then HIT; queries: 1',
      'per user  ada: ada, grace: grace (MISS)',
      'limit     201, 201, 429',
      'tags      after an edit: MISS, queries: 3',
    ])
  })

  it.each(drivers)('examples/trpc on $driver (npm run example:trpc)', async ({ env }) => {
    expect(expectClean(await runExample('trpc', env()))).toEqual([
      'cache     two calls, 1 query',
      'per user  ada, grace',
      'limit     ok, ok, TOO_MANY_REQUESTS',
      'tags      after an upload: 2 queries',
    ])
  })

  it.each(drivers)('examples/keyv on $driver (npm run example:keyv)', async ({ env }) => {
    expect(expectClean(await runExample('keyv', env()))).toEqual([
      'keyv      {"name":"Ada"} at keyv-example:keyv:users:ada',
      'manager   two wraps, 1 load',
    ])
  })

  it.each([
    { driver: 'memory', env: () => ({}) },
    { driver: 'upstash', env: () => ({ UPSTASH_REDIS_REST_URL: inject('upstashUrl'), UPSTASH_REDIS_REST_TOKEN: inject('upstashToken') }) },
  ])('examples/upstash-edge on $driver (npm run example:upstash-edge)', async ({ driver, env }) => {
    const lines = expectClean(await runExample('upstash-edge', env()))
    expect(lines[0]).toBe(`driver    ${driver}`)
    expect(lines[1]).toMatch(/^cache {5}MISS then HIT; origin fetches: 1; "api";r=1;t=\d+$/)
    expect(lines[2]).toMatch(/^limit {5}200, then 429: \{"error":"Too Many Requests","policy":"api","retryAfter":\d+\}$/)
    expect(lines[3]).toBe('subnet    another address of the same /56: 429')
    expect(lines).toHaveLength(4)
  })
})
