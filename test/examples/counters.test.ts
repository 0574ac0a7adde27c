/**
 * examples/counters runs as a user would run it (`npm run example:counters`), as a child
 * process; its output is the specification of what docs/counters.md promises.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

describe('examples/counters (npm run example:counters)', () => {
  it('shows counters, families, write-behind flushes, leaderboards and trending on the memory driver and exits 0', () => {
    const run = spawnSync('npm', ['run', '--silent', 'example:counters'], { cwd: root, encoding: 'utf8', timeout: 60_000 })

    expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn'))).toEqual([])
    expect(run.status).toBe(0)
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'plain    signups today: 2',
      'family   unread: 2, 1, 0',
      'flush    1 batch, 3 counters; db views: v1=3 v2=1 v3=1',
      'failed   database unavailable; nothing lost, next flush retries',
      'retried  db views: v1=3 v2=6 v3=1, live count of v2: 6',
      'top      1. v1 (30), 2. v2 (25), 3. v3 (7)',
      'rank     v3 is #3',
      'trending v3 ~40, v1 ~12',
    ])
  })
})
