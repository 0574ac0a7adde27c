/**
 * examples/locks runs as a user would run it (`npm run example:locks`), as a child
 * process; its output is the specification of what docs/locks.md promises.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

describe('examples/locks (npm run example:locks)', () => {
  it('shows withLock, contention, waiting, fencing, loss, a semaphore and admin calls on the memory driver and exits 0', () => {
    const run = spawnSync('npm', ['run', '--silent', 'example:locks'], { cwd: root, encoding: 'utf8', timeout: 60_000 })

    expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn'))).toEqual([])
    expect(run.status).toBe(0)
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'withLock  royalty run paid 1250, lock free again: true',
      'busy      LOCK_NOT_ACQUIRED: held for another 30 s',
      'wait      got it after release, fencing token 1 -> 2',
      "fencing   stalled holder's signal fired: true, its late write accepted: false",
      "lost      LOCK_LOST: release never deletes the successor's lock (still held: true)",
      'semaphore 8 jobs, at most 3 at once',
      'admin     force-released: true, holder notices on its next check: true',
    ])
  })
})
