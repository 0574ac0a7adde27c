/**
 * The `cachekit` executable, run from source (node --import tsx src/cli/bin.ts) as a
 * child process against real servers: an isolated redis-server, the 3-master cluster and
 * the Upstash stand-in. Exit codes are part of the contract (deploy checks rely on them).
 * Tests run concurrently (each spawns its own processes) to keep the file's time down.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { subpaths, entries } from '../../scripts/entries.mjs'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { defineKeys } from '../../src/keys/index.js'
import { createCachekit } from '../../src/kit.js'
import { runCli } from '../../src/cli/run-cli.js'
import { freePort, startRedisProcess, type RedisProcess } from '../support/redis-process.js'
import { uniquePrefix } from '../support/targets.js'

const root = join(import.meta.dirname, '..', '..')

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const cleanEnv = { ...process.env, REDIS_URL: undefined, UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined, ...env }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/bin.ts', ...args],
      { cwd: root, env: cleanEnv, timeout: 45_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr })
      },
    )
  })
}

let server: RedisProcess
const password = 'cli-Pa55word'
let url: string

beforeAll(async () => {
  server = await startRedisProcess({ args: ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'] })
  // Set after start: the helper's readiness probe speaks without a password.
  const admin = new Redis(server.url)
  await admin.config('SET', 'requirepass', password)
  admin.disconnect()
  url = `redis://:${password}@127.0.0.1:${server.port}`
})
afterAll(async () => {
  await server?.stop()
})

describe.concurrent('cachekit health', () => {
  it('prints a healthy report and exits 0; --json prints the report', async () => {
    const [human, json] = await Promise.all([cli(['health', '--url', url]), cli(['health', '--url', url, '--json'])])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^status +HEALTHY$/m)
    expect(human.stdout).toMatch(/^server +redis \d+\.\d+/m)
    expect(human.stdout).toContain(`redis://127.0.0.1:${server.port}`)
    expect(human.stdout + human.stderr).not.toContain(password)
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'healthy',
      driver: { name: 'ioredis' },
      memory: { limitBytes: 64 * 1024 * 1024, limitSource: 'maxmemory' },
    })
  })

  it('exits 2 and says why when the server does not answer, without printing the password', async () => {
    const port = await freePort()
    const run = await cli(['health', '--url', `redis://:${password}@127.0.0.1:${port}`, '--timeout', '300'])
    expect(run.code).toBe(2)
    expect(run.stdout).toMatch(/^status +UNHEALTHY$/m)
    expect(run.stdout).toMatch(/critical +ping/)
    expect(run.stdout + run.stderr).not.toContain(password)
  })

  it('reads REDIS_URL when no --url is given', async () => {
    const run = await cli(['health', '--json'], { REDIS_URL: url })
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).status).toBe('healthy')
  })

  it('talks to Upstash through UPSTASH_REDIS_REST_URL and _TOKEN, never printing the token', async () => {
    const token = inject('upstashToken')
    const run = await cli(['health'], { UPSTASH_REDIS_REST_URL: inject('upstashUrl'), UPSTASH_REDIS_REST_TOKEN: token })
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^target +upstash http:\/\/127\.0\.0\.1:\d+$/m)
    expect(run.stdout + run.stderr).not.toContain(token)
  })
})

describe.concurrent('cachekit stats, keys, invalidate and bench', () => {
  const prefix = uniquePrefix('cli')
  const keys = defineKeys({ video: { template: 'video:{id}', ttl: '1h' } })

  beforeAll(async () => {
    const kit = createCachekit({ driver: ioredisDriver({ url }), prefix, keys })
    await Promise.all(Array.from({ length: 30 }, (_, id) => kit.cache.set(keys.video({ id }), { id })))
    await kit.cache.set('session:abc', 'x', { ttl: '1h' })
    await kit.close()
  })

  it('stats prints the server figures', async () => {
    const [human, json] = await Promise.all([cli(['stats', '--url', url]), cli(['stats', '--url', url, '--json'])])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^server +redis \d+\.\d+\.\d+ \(standalone, 1 node\)$/m)
    expect(human.stdout).toMatch(/^memory +[\d.]+ MB of 64\.0 MB \([\d.]+%\)$/m)
    expect(JSON.parse(json.stdout).server.totals.keys).toBeGreaterThanOrEqual(31)
  })

  it('keys reports keys per family under the prefix', async () => {
    const [human, json] = await Promise.all([
      cli(['keys', '--url', url, '--prefix', prefix]),
      cli(['keys', '--url', url, '--prefix', prefix, '--json', '--sample', '10']),
    ])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^video +30 +\d+ /m)
    const report = JSON.parse(json.stdout)
    expect(report).toMatchObject({ scanned: 31, sampled: 10, complete: true })
    expect(Object.fromEntries(report.families.map((family: { family: string; keys: number }) => [family.family, family.keys]))).toEqual({
      video: 30,
      session: 1,
    })
  })

  it('invalidate deletes a key within the prefix', async () => {
    // Its own namespace: the tests of this block run concurrently, and `keys` counts the shared one.
    const own = uniquePrefix('cli-invalidate')
    const seeding = createCachekit({ driver: ioredisDriver({ url }), prefix: own, keys })
    await Promise.all([3, 4].map((id) => seeding.cache.set(keys.video({ id }), { id })))
    await seeding.cache.set('session:abc', 'x', { ttl: '1h' })
    await seeding.close()
    const run = await cli(['invalidate', '--url', url, '--prefix', own, '--key', 'video:3', '--json'])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({ kind: 'key', value: 'video:3', result: { deleted: 1 } })
    const driver = ioredisDriver({ url })
    try {
      expect(await driver.exists([`${own}:video:3`, `${own}:video:4`])).toBe(1)
    } finally {
      await driver.close()
    }
    const [pattern, tag] = await Promise.all([
      cli(['invalidate', '--url', url, '--prefix', own, '--pattern', 'session:*', '--json']),
      cli(['invalidate', '--url', url, '--prefix', own, '--tag', 'videos']),
    ])
    expect(pattern.code).toBe(0)
    expect(JSON.parse(pattern.stdout)).toMatchObject({ kind: 'pattern', value: 'session:*', result: { deleted: 1 } })
    expect(tag.code).toBe(0)
    expect(tag.stdout).toMatch(/^invalidated tag "videos" in namespace /)
    const usage = await cli(['invalidate', '--url', url, '--prefix', own])
    expect(usage.code).toBe(64)
    expect(usage.stderr).toContain('exactly one of --key, --tag or --pattern')
  })

  it('bench measures and removes its keys', async () => {
    const benchPrefix = uniquePrefix('bench')
    const run = await cli(['bench', '--url', url, '--prefix', benchPrefix, '--ops', '300', '--concurrency', '20', '--json'])
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.results.map((row: { op: string; calls: number }) => [row.op, row.calls])).toEqual([
      ['SET x20', 300],
      ['GET x20', 300],
      ['GET x1', 300],
    ])
    expect(report.results.every((row: { opsPerSec: number; p99Ms: number }) => row.opsPerSec > 0 && row.p99Ms >= 0)).toBe(true)
    const driver = ioredisDriver({ url })
    try {
      let left = 0
      for await (const page of driver.scan(`${benchPrefix}:*`)) left += page.length
      expect(left).toBe(0)
    } finally {
      await driver.close()
    }
  })
})

describe.concurrent('cachekit guard', () => {
  it('exits 0 when memory is fine, 1 at warn, 2 at critical', async () => {
    const [fine, warn, critical] = await Promise.all([
      cli(['guard', '--url', url]),
      cli(['guard', '--url', url, '--warn-at', '0.001', '--critical-at', '0.99']),
      cli(['guard', '--url', url, '--budget', '100kb', '--json']),
    ])
    expect(fine.code).toBe(0)
    expect(fine.stdout).toMatch(/^state +OK$/m)
    expect(fine.stdout).toMatch(/^limit +64\.0 MB \(maxmemory\)$/m)
    expect(warn.code).toBe(1)
    expect(warn.stdout).toMatch(/^state +WARN$/m)
    expect(critical.code).toBe(2)
    expect(JSON.parse(critical.stdout)).toMatchObject({
      state: 'critical',
      usage: { limitBytes: 102_400, limitSource: 'budget' },
      eviction: { total: 0 },
    })
  })

  it('reads every master of a cluster and names the fullest', async () => {
    const nodes = inject('clusterNodes')
    const run = await cli(['guard', '--cluster', '--url', nodes.map((node) => `${node.host}:${node.port}`).join(','), '--json'])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).usage).toMatchObject({ nodes: 3, node: expect.stringMatching(/^127\.0\.0\.1:\d+$/) })
  })
})

describe.concurrent('cachekit demo and usage', () => {
  it('demo walks through the cache and the guard in memory and exits 0', async () => {
    const run = await cli(['demo'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'miss      user 42 loaded from the database (1 query)',
      'hit       user 42 served from the cache (still 1 query)',
      'stampede  100 concurrent readers of board 7, 1 query',
      'guard     memory at 82.4% of a 64.0 KB budget: warn; a low-priority write was skipped',
      'guard     memory at 94.2%: critical; evicted 20 low-priority keys (analytics), kept users and boards',
      'guard     memory at 27.7% after eviction: ok',
      'health    degraded: hit rate 1.0% is below 70.0%',
      'stats     user: 1 hit, 1 miss; board: 1 load for 100 reads',
      'next      npx cachekit health --url redis://localhost:6379',
    ])
  })

  it('exits 64 with help for unknown commands, missing servers and bad options; 0 for --help', async () => {
    const [unknown, noServer, badOption, help] = await Promise.all([
      cli(['frobnicate']),
      cli(['health']),
      cli(['keys', '--url', url, '--sample', 'many']),
      cli(['--help']),
    ])
    expect(unknown.code).toBe(64)
    expect(unknown.stderr).toContain('unknown command "frobnicate"')
    expect(noServer.code).toBe(64)
    expect(noServer.stderr).toContain('no server given')
    expect(badOption.code).toBe(64)
    expect(badOption.stderr).toContain('--sample must be a positive integer')
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: cachekit <command> [options]')
  })
})

// One at a time: the blocks above already run their child processes concurrently.
describe('cachekit error paths and the reserved key space', () => {
  it("invalidate --pattern '*' under a parent prefix leaves a nested kit's held lock alone", async () => {
    const own = uniquePrefix('cli-nested')
    const nested = createCachekit({ driver: ioredisDriver({ url }), prefix: own, environment: 'prod' })
    try {
      const lock = await nested.locks.acquire('job', { ttl: '1m' })
      await nested.cache.set('page:1', 'one', { ttl: '1m' })
      const run = await cli(['invalidate', '--url', url, '--prefix', own, '--pattern', '*', '--json'])
      expect(run.code).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'pattern', result: { deleted: 1 } })
      expect(await lock.isHeld()).toBe(true)
      await lock.release()
      expect((await nested.locks.acquire('job', { ttl: '1m' })).fencingToken).toBeGreaterThan(lock.fencingToken)
    } finally {
      await nested.close()
    }
  })

  it("exits 64 after a bad --prefix ('' or with a glob character) instead of hanging on the open connection", async () => {
    const [empty, glob] = await Promise.all([cli(['health', '--url', url, '--prefix', '']), cli(['keys', '--url', url, '--prefix', 'a*'])])
    // A hang ends in the helper's timeout kill: code null, not 64.
    expect(empty.code).toBe(64)
    expect(empty.stderr).toContain('prefix must be a non-empty string')
    expect(glob.code).toBe(64)
    expect(glob.stderr).toContain('must not contain "*"')
  }, 60_000)

  it('closes the connection it opened when the kit cannot be made (counted on a server of its own)', async () => {
    const own = await startRedisProcess()
    const admin = new Redis(own.url)
    try {
      const clients = async () => Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))?.[1])
      const errors: string[] = []
      const code = await runCli(['health', '--url', own.url, '--prefix', ''], {
        out: () => undefined,
        err: (text) => errors.push(text),
        env: {},
      })
      expect(code).toBe(64)
      expect(errors.join('\n')).toContain('prefix must be a non-empty string')
      // Only the admin connection is left once the CLI's socket is closed.
      await vi.waitFor(async () => expect(await clients()).toBe(1), { timeout: 10_000, interval: 50 })
    } finally {
      admin.disconnect()
      await own.stop()
    }
  })
})

describe('the package', () => {
  it('declares a bin that the build produces from src/cli/bin.ts', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin?: Record<string, string> }
    const output = Object.entries(entries).find(([, source]) => source === 'src/cli/bin.ts')?.[0]
    expect(output).toBeDefined()
    expect(pkg.bin).toEqual({ cachekit: `./dist/${output}.js` })
    expect(Object.values(subpaths)).not.toContain('src/cli/bin.ts')
    expect(readFileSync(join(root, 'src/cli/bin.ts'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
  })
})
