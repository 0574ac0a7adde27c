/**
 * examples/rate-limit runs as a user would run it (`npm run example:rate-limit`), as a
 * child process; its output is the specification of what the docs promise.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

describe('examples/rate-limit (npm run example:rate-limit)', () => {
  it('shows policies, cost, bursts, errors, peek and headers on the memory driver and exits 0', () => {
    const run = spawnSync('npm', ['run', '--silent', 'example:rate-limit'], { cwd: root, encoding: 'utf8', timeout: 60_000 })

    expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn'))).toEqual([])
    expect(run.status).toBe(0)
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'login    4 left | 3 left | 2 left | 1 left | 0 left | denied, blocked',
      'reset    login allowed again: true',
      'cost     third export of 4 allowed: false, 2 left, retry in 3600 s',
      'burst    50 uploads in a burst, then one every 72 s',
      'thrown   RATE_LIMIT_EXCEEDED: retry after 72 s (policy upload)',
      'peek     1000 left before, 999 after one request',
      'headers  RateLimit-Policy: 1000;w=3600, RateLimit-Limit: 1000, RateLimit-Remaining: 999, RateLimit-Reset: 3600',
      'refused  rate limit cost 5000 exceeds the limit of policy "api" (1000); such a request could never be allowed',
    ])
  })
})
