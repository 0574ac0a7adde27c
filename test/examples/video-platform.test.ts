/**
 * examples/video-platform runs as a user would run it (`npm run example:video-platform`),
 * as a child process; its output is the specification of what docs/invalidation.md and
 * docs/builders.md promise.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

describe('examples/video-platform (npm run example:video-platform)', () => {
  it('builds the indexes, runs the video.changed cascade, tags and patterns on the memory driver and exits 0', () => {
    const run = spawnSync('npm', ['run', '--silent', 'example:video-platform'], { cwd: root, encoding: 'utf8', timeout: 60_000 })

    expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn'))).toEqual([])
    expect(run.status).toBe(0)
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'warm     categories pre-loaded at start: Category 3',
      'rebuild  20 category indexes (2463 members), 1847 lookups',
      'page     newest in cat-3: v1989, v1986, v1969',
      'count    cat-3 holds 123 videos',
      'lookup   v42 is in cat-14, cat-15',
      'cached   two reads of v42, 1 query',
      'cascade  deleted 1 key, tag video:v42, 6 list pages, rebuilt 4 outputs',
      'moved    v42 in cat-5: true, in cat-14, cat-15: false',
      'tags     cat-7 after invalidateTags: undefined, cat-8: Category 8',
      "expire   after mode 'expire': v1 (stale, refreshing); after a plain invalidation: v3",
      "pattern  sort='*' deleted 0, sort='top' deleted 3",
      "refused  pattern \"__tag:*\": keys starting with '__' are reserved for cachekit's own features",
    ])
  })
})
