/**
 * examples/operations runs as users run it (`npm run example:operations`,
 * `npm run example:telemetry`): on the memory driver its output is exact; on a real Redis
 * (REDIS_URL) the same tour works and leaves no key behind.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'

const root = join(import.meta.dirname, '..', '..')

function run(
  env: Record<string, string | undefined>,
  script = 'example:operations',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', script, '--silent'], { cwd: root, env: { ...process.env, REDIS_URL: undefined, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('close', (code) =>
      resolve({
        code,
        stdout,
        stderr: stderr
          .split('\n')
          .filter((line) => line !== '' && !line.startsWith('npm warn'))
          .join('\n'),
      }),
    )
  })
}

describe('examples/operations (npm run example:operations)', () => {
  it('tours guard, health, metrics, keys, admin handler and Prometheus on the memory driver', async () => {
    const result = await run({})
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      'health    healthy, guard ok, circuit closed, 0 issues',
      'metrics   board: 15 hits, 5 misses (75%); app_exports_total = 3',
      'keys      board: 5, analytics: 4',
      'guard     ok: budget limit of 20971520 bytes',
      'admin     GET /admin/cache/health -> 200',
      'admin     GET /admin/cache/metrics without a token -> 401',
      'metrics   cachekit_cache_hits_total{family="board"} 15',
    ])
  })

  it('does the same on a real Redis and cleans up after itself', async () => {
    const url = inject('redisUrl')
    const result = await run({ REDIS_URL: url })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^health +(healthy|degraded), guard ok, circuit closed/)
    expect(lines[1]).toBe('metrics   board: 15 hits, 5 misses (75%); app_exports_total = 3')
    expect(lines[2]).toMatch(/^keys +(board: 5, analytics: 4|analytics: 4, board: 5)$/)
    expect(lines.slice(4)).toEqual([
      'admin     GET /admin/cache/health -> 200',
      'admin     GET /admin/cache/metrics without a token -> 401',
      'metrics   cachekit_cache_hits_total{family="board"} 15',
    ])
    const driver = ioredisDriver({ url })
    try {
      let left = 0
      for await (const page of driver.scan('ops-demo:run*')) left += page.length
      expect(left).toBe(0)
    } finally {
      await driver.close()
    }
  })
})

describe('examples/operations/telemetry.ts (npm run example:telemetry)', () => {
  it('exports the kit metrics through prom-client and traces driver and loader calls', async () => {
    const result = await run({}, 'example:telemetry')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      'cachekit_cache_hits_total{family="product"} 1',
      'cachekit_cache_misses_total{family="product"} 1',
      'spans     cachekit eval, cachekit get, cachekit info, cachekit load product, cachekit publish, cachekit set, cachekit subscribe',
    ])
  })
})
