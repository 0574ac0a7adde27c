/**
 * docs/operations.md stays true: every TypeScript block appears, line for line (indentation
 * aside), in examples/operations/, which test/cli/example.test.ts runs; shell blocks name
 * only commands that exist; and the screenshot it shows is in the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')
const markdown = readFileSync(join(root, 'docs/operations.md'), 'utf8')
const exampleDir = join(root, 'examples/operations')
const examples = readdirSync(exampleDir).map((file) => normalize(readFileSync(join(exampleDir, file), 'utf8')))
const scripts = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts)

describe('docs/operations.md', () => {
  it('has only TypeScript snippets that examples/operations contains', () => {
    const blocks = codeBlocks(/^(ts|typescript)$/)
    expect(blocks.length).toBeGreaterThan(8)
    expect(blocks.filter((block) => !examples.some((lines) => containsRun(lines, normalize(block))))).toEqual([])
  })

  it('names only npm scripts and CLI commands that exist', () => {
    const text = markdown
    const named = [...text.matchAll(/npm run ([\w:-]+)/g)].map((match) => match[1] as string)
    expect(named.filter((name) => !scripts.includes(name))).toEqual([])
    const commands = [...text.matchAll(/npx cachekit (\w+)/g)].map((match) => match[1] as string)
    const cli = readFileSync(join(root, 'src/cli/run-cli.ts'), 'utf8')
    expect(commands.filter((command) => !new RegExp(`^  ${command} `, 'm').test(cli))).toEqual([])
  })

  it('shows a screenshot that exists', () => {
    const images = [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((match) => match[1] as string)
    expect(images).toEqual(['images/dashboard.png'])
    expect(existsSync(join(root, 'docs', images[0] as string))).toBe(true)
  })
})

function codeBlocks(language: RegExp): string[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)]
    .filter((match) => language.test(match[1] as string))
    .map((match) => (match[2] as string).trimEnd())
}

function normalize(text: string): string[] {
  return text.split('\n').map((line) => line.trim())
}

function containsRun(lines: string[], run: string[]): boolean {
  for (let start = 0; start + run.length <= lines.length; start++) {
    if (run.every((line, offset) => lines[start + offset] === line)) return true
  }
  return false
}
