/**
 * docs/rate-limiting.md shows only code that CI runs: every TypeScript block must appear,
 * line for line (indentation aside), in examples/rate-limit/main.ts, which
 * test/examples/rate-limit.test.ts runs.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const page = readFileSync(new URL('../../docs/rate-limiting.md', import.meta.url), 'utf8')
const example = lines(readFileSync(new URL('../../examples/rate-limit/main.ts', import.meta.url), 'utf8'))

describe('docs/rate-limiting.md', () => {
  it('has only TypeScript snippets that the example contains', () => {
    const blocks = [...page.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)]
      .filter((m) => /^(ts|typescript)$/.test(m[1] as string))
      .map((m) => (m[2] as string).trimEnd())
    expect(blocks.length).toBeGreaterThanOrEqual(6)
    expect(blocks.filter((block) => !containsRun(example, lines(block)))).toEqual([])
  })

  it('links only to anchors that exist on the page', () => {
    const anchors = new Set([...page.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] as string)))
    const links = [...page.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] as string)
    expect(links.filter((link) => !anchors.has(link))).toEqual([])
  })
})

function lines(text: string): string[] {
  return text.split('\n').map((line) => line.trim())
}

function containsRun(haystack: string[], run: string[]): boolean {
  for (let start = 0; start + run.length <= haystack.length; start++) if (run.every((line, i) => haystack[start + i] === line)) return true
  return false
}

/** GitHub's heading ids: lowercase, punctuation other than `-` and `_` dropped, spaces to `-`. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}
