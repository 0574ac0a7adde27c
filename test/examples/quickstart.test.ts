/**
 * The quickstart is what a new user runs first (`npm start`, per the README), so it runs
 * here exactly that way, as a child process, and its output is the specification.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

describe('examples/quickstart (npm start)', () => {
  it('demonstrates miss, hit, single flight, stale-while-revalidate and write-through on the memory driver, and exits 0', () => {
    const run = spawnSync('npm', ['start', '--silent'], { cwd: root, encoding: 'utf8', timeout: 60_000 })

    expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn'))).toEqual([])
    expect(run.status).toBe(0)
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'miss/hit  Ada joined 2024-03-01; same value: true; queries: 1',
      'stampede  100 callers, 1 query',
      'stale     after the TTL: video-1a, video-1b (served at once), then: video-2a, video-2b; queries: 2',
      'update    user 42 is now Ada Lovelace',
      'stats     user: 2 hits, 101 misses, 2 loads; trending: 1 stale hit',
      'keys      demo:dev:user:42',
    ])
  })
})

describe('examples/drivers (npm run example:drivers)', () => {
  it('demonstrates the Driver contract on the memory driver and exits 0', () => {
    const run = spawnSync('npm', ['run', 'example:drivers', '--silent'], { cwd: root, encoding: 'utf8', timeout: 60_000 })

    expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn'))).toEqual([])
    expect(run.status).toBe(0)
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'set/get  greeting = hello (expires in 60 s)',
      'expiry   session:abc after 50 ms = null',
      'set NX   worker-1 won: true, worker-2 won: false, owner = worker-1',
      'script   release by worker-2: false, by worker-1: true',
      'scan     user:* matches user:1, user:2, user:3',
      'pub/sub  1 subscriber received: video:9 changed (on events)',
      'refused: key must not be empty (VALIDATION_ERROR, see https://github.com/cachekit/cachekit/blob/main/docs/errors.md#validation-error)',
      'closed   driver closed, timers released',
    ])
  })
})

describe('examples/cache (npm run example:cache)', () => {
  it('demonstrates events, plain keys, negative caching, hard timeouts, write-through, batches and the kill switch', () => {
    const run = spawnSync('npm', ['run', 'example:cache', '--silent'], { cwd: root, encoding: 'utf8', timeout: 60_000 })

    expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn'))).toEqual([])
    expect(run.status).toBe(0)
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'events    miss:product, hit:product:l1',
      'plain     {"text":"Spring sale"}',
      'nullish   1 lookup for two reads',
      'timeout   LOADER_TIMEOUT after 50 ms',
      'update    price now 1499',
      'many      500, -, 700',
      'disabled  2 loader calls for two reads',
    ])
  })
})
