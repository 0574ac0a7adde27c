/**
 * Snippets in the README and the docs stay true because they are copied from examples:
 * every TypeScript block must appear, line for line, in a file under examples/, which tsc
 * compiles and CI runs (examples/drivers/connect-*.ts and my-driver.conformance.ts are only
 * compiled: they need your servers). Shell blocks may only name npm scripts that exist.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')
const documents = [
  'README.md',
  'docs/errors.md',
  'docs/cache.md',
  'docs/locks.md',
  'docs/counters.md',
  'docs/sessions.md',
  'docs/idempotency.md',
  'docs/flags.md',
  'docs/notifications.md',
  'docs/invalidation.md',
  'docs/builders.md',
  'docs/express.md',
  'docs/nextjs.md',
  'docs/nestjs.md',
  'docs/hono.md',
  'docs/keyv.md',
  'docs/drivers.md',
]
const examples = readdirSync(join(root, 'examples'), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && /\.(ts|tsx|mts|cts|js|mjs)$/.test(entry.name))
  .map((entry) => join(entry.parentPath, entry.name))
const exampleLines = examples.map((file) => normalize(readFileSync(file, 'utf8')))
const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts)

describe.each(documents)('%s', (document) => {
  const markdown = readFileSync(join(root, document), 'utf8')

  it('has only TypeScript snippets that an example contains', () => {
    const blocks = codeBlocks(markdown, /^(ts|typescript)$/)
    expect(blocks.length).toBeGreaterThan(0)
    const orphans = blocks.filter((block) => !exampleLines.some((lines) => containsRun(lines, normalize(block))))
    expect(orphans).toEqual([])
  })

  it('names only npm scripts that exist', () => {
    const commands = codeBlocks(markdown, /^(sh|bash|shell)$/).flatMap((block) => [...block.matchAll(/npm (?:run )?([\w:-]+)/g)])
    const named = commands.map((match) => match[1] as string).filter((name) => !['install', 'ci', 'run'].includes(name))
    expect(named.filter((name) => !scripts.includes(name))).toEqual([])
  })
})

describe('README set-up commands', () => {
  it('are the ones CI runs', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const ci = readFileSync(join(root, '.ci/run'), 'utf8')
    expect(codeBlocks(readme, /^sh$/)).toEqual(['npm install && npm start', 'npm test'])
    expect(ci).toMatch(/^\s*npm test\b/m)
  })
})

function codeBlocks(markdown: string, language: RegExp): string[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)]
    .filter((match) => language.test(match[1] as string))
    .map((match) => (match[2] as string).trimEnd())
}

/** Lines without their indentation, so a snippet may be shown at another depth. */
function normalize(text: string): string[] {
  return text.split('\n').map((line) => line.trim())
}

function containsRun(lines: string[], run: string[]): boolean {
  for (let start = 0; start + run.length <= lines.length; start++) {
    if (run.every((line, offset) => lines[start + offset] === line)) return true
  }
  return false
}
