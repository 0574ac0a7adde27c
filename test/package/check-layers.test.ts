/**
 * scripts/check-layers.mjs guards the shape of src/: imports run one way, with no cycle.
 * Each test runs the real script on a throwaway source tree with one thing wrong (or
 * nothing), and reads its exit code and report.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

const script = join(import.meta.dirname, '..', '..', 'scripts', 'check-layers.mjs')

/** A tree that passes: keys and cache import core, the kit imports cache, the root imports the kit. */
const sound: Record<string, string> = {
  'core/errors.ts': 'export class CachekitError extends Error {}\n',
  'keys/tag.ts': "import { CachekitError } from '../core/errors.js'\nexport const refuse = () => new CachekitError()\n",
  'cache/read-path.ts': "import { refuse } from '../keys/tag.js'\nexport const read = () => refuse()\n",
  'cache/lookup.ts': "import type { CachekitError } from '../core/errors.js'\nexport type Verdict = CachekitError | undefined\n",
  'kit.ts': "import { read } from './cache/read-path.js'\nexport const createCachekit = () => ({ read })\n",
  'index.ts': "export { createCachekit } from './kit.js'\n",
}

let trees: string[] = []
afterEach(() => {
  for (const dir of trees) rmSync(dir, { recursive: true, force: true })
  trees = []
})

describe('scripts/check-layers.mjs', () => {
  it('passes a tree whose imports all run down or sideways', () => {
    const result = runCheck(sourceTree(sound))
    expect(result.output).toContain('layers check: 6 files, 5 imports, no cycles')
    expect(result.status).toBe(0)
  })

  it('fails on a cycle between two files of one folder', () => {
    const result = runCheck(
      sourceTree({
        ...sound,
        'cache/lookup.ts': "import { read } from './read-path.js'\nexport const look = () => read()\n",
        'cache/read-path.ts': "import { look } from './lookup.js'\nexport const read = (): unknown => look()\n",
      }),
    )
    expect(result.output).toMatch(/import cycle between files: \S*cache\/lookup\.ts -> \S*cache\/read-path\.ts -> \S*cache\/lookup\.ts/)
    expect(result.status).toBe(1)
  })

  it('fails on a cycle made of type-only imports too', () => {
    const result = runCheck(
      sourceTree({
        ...sound,
        'cache/lookup.ts': "import type { Read } from './read-path.js'\nexport type Look = Read\n",
        'cache/read-path.ts': "import type { Look } from './lookup.js'\nexport type Read = Look | string\n",
      }),
    )
    expect(result.output).toContain('import cycle between files')
    expect(result.status).toBe(1)
  })

  it('fails on a cycle between two folders of one layer', () => {
    const result = runCheck(
      sourceTree({
        ...sound,
        'invalidation/stamps.ts': "import { read } from '../cache/read-path.js'\nexport const stamp = () => read()\n",
        'cache/lookup.ts': "import { stamp } from '../invalidation/stamps.js'\nexport const look = () => stamp()\n",
      }),
    )
    expect(result.output).toMatch(/import cycle between folders: (cache -> invalidation -> cache|invalidation -> cache -> invalidation)/)
    expect(result.status).toBe(1)
  })

  it('fails on an import up a layer, naming both files and layers', () => {
    const result = runCheck(
      sourceTree({
        ...sound,
        'core/errors.ts':
          "import type { Verdict } from '../cache/lookup.js'\nexport class CachekitError extends Error {}\nexport type V = Verdict\n",
      }),
    )
    expect(result.output).toMatch(/core\/errors\.ts \(core\) imports \S*cache\/lookup\.ts \(invalidation, cache\), a layer above its own/)
    expect(result.status).toBe(1)
  })

  it('fails on a dynamic import up a layer', () => {
    const result = runCheck(sourceTree({ ...sound, 'keys/late.ts': "export const later = () => import('../kit.js')\n" }))
    expect(result.output).toMatch(/keys\/late\.ts \(codec, keys\) imports \S*kit\.ts \(kit\), a layer above its own/)
    expect(result.status).toBe(1)
  })

  it('fails on a folder that has no layer', () => {
    const result = runCheck(sourceTree({ ...sound, 'gadgets/widget.ts': 'export const widget = 1\n' }))
    expect(result.output).toContain('folder gadgets has no layer')
    expect(result.status).toBe(1)
  })
})

function sourceTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cachekit-layers-'))
  trees.push(dir)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

function runCheck(sourceDir: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [script, sourceDir], { encoding: 'utf8', timeout: 30_000 })
  return { status: run.status, output: `${run.stdout}${run.stderr}` }
}
