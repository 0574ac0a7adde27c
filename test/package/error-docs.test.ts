/**
 * Every error's `docs` link must land on a section of docs/errors.md that explains its
 * code. The error classes are discovered from src/core/errors, so a new class without a
 * section fails here.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as errors from '../../src/core/errors/index.js'

const root = join(import.meta.dirname, '..', '..')
const page = readFileSync(join(root, 'docs/errors.md'), 'utf8')

/** Constructor arguments per error class (their constructors differ). */
const constructorArgs: Record<string, readonly unknown[]> = {
  CachekitError: ['something failed'],
  ValidationError: ['key must not be empty'],
  DriverError: ['connection refused', { driver: 'ioredis' }],
  DriverTimeoutError: ['get', 250, { driver: 'ioredis' }],
  DriverClosedError: ['get', { driver: 'memory' }],
  CommandError: ['WRONGTYPE Operation against a key holding the wrong kind of value'],
  CrossSlotError: ['mget', ['a', 'b']],
  CircuitOpenError: [Date.now() + 1000, { driver: 'ioredis' }],
  LoaderTimeoutError: ['user:42', 1000],
  LockNotAcquiredError: ['royalty-run:7', 0, { retryAfterMs: 1500 }],
  LockLostError: ['royalty-run:7', 12, 'its TTL ran out'],
  RateLimitExceededError: ['login', { limit: 5, remaining: 0, resetAt: Date.now() + 1000, retryAfterMs: 1000 }],
  BuildError: ['videosByCategory', 'the temporary copy was incomplete'],
  InvalidationError: ['video.changed', '1 part(s) failed; the rest was done'],
  IdempotencyInProgressError: ['charge:abc', 5000, { retryAfterMs: 20_000 }],
  IdempotencyConflictError: ['charge:abc'],
}

const errorClasses = Object.entries(errors).filter(
  (entry): entry is [string, typeof errors.CachekitError] =>
    typeof entry[1] === 'function' && (entry[1] === errors.CachekitError || entry[1].prototype instanceof errors.CachekitError),
)

describe('docs/errors.md', () => {
  it('is the page every docs link points at', () => {
    expect(errors.ERROR_DOCS_BASE).toMatch(/\/docs\/errors\.md$/)
  })

  it('finds every error class of src/core/errors', () => {
    expect(errorClasses.map(([name]) => name)).toEqual(expect.arrayContaining(['CachekitError', 'CrossSlotError']))
    expect(errorClasses.filter(([name]) => !(name in constructorArgs)).map(([name]) => name)).toEqual([])
  })

  it.each(errorClasses)('has a section for %s that its docs link reaches', (name, ErrorClass) => {
    const error = Reflect.construct(ErrorClass, constructorArgs[name] ?? []) as errors.CachekitError
    const link = new URL(error.docs)
    expect(`${link.origin}${link.pathname}`).toBe(errors.ERROR_DOCS_BASE)
    const anchor = link.hash.slice(1)
    expect(anchors(page), `no anchor #${anchor} in docs/errors.md`).toContain(anchor)
    expect(sectionHeading(page, anchor), `the section at #${anchor} must be titled with its code`).toContain(`\`${error.code}\``)
    expect(sectionHeading(page, anchor)).toContain(name)
  })
})

/** Explicit `<a id>` anchors and the ids GitHub derives from headings. */
function anchors(markdown: string): string[] {
  const explicit = [...markdown.matchAll(/<a id="([^"]+)"><\/a>/g)].map((match) => match[1] as string)
  const headings = [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((match) => githubSlug(match[1] as string))
  return [...explicit, ...headings]
}

/** The heading that follows an explicit anchor, or the heading that produces the id. */
function sectionHeading(markdown: string, anchor: string): string | undefined {
  const afterAnchor = new RegExp(`<a id="${anchor}"></a>\\s*\\n(#{1,6} .+)`).exec(markdown)?.[1]
  if (afterAnchor !== undefined) return afterAnchor
  return [...markdown.matchAll(/^#{1,6} (.+)$/gm)].find((match) => githubSlug(match[1] as string) === anchor)?.[0]
}

/** GitHub's heading ids: lowercase, punctuation other than `-` and `_` dropped, spaces to `-`. */
function githubSlug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}
