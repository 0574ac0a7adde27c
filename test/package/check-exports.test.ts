/**
 * scripts/check-exports.mjs guards the build: package.json `exports` and the tsup entries
 * must agree. Each test runs the real script against a throwaway copy of the package
 * with one thing broken, and expects it to refuse.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { subpaths } from '../../scripts/entries.mjs'

const root = join(import.meta.dirname, '..', '..')
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>
}

interface CheckResult {
  status: number | null
  output: string
}

let copies: string[] = []
afterEach(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true })
  copies = []
})

describe('scripts/check-exports.mjs', () => {
  it('passes on a copy whose exports match the tsup entries', () => {
    const result = runCheck(packageCopy())
    expect(result.output).toContain(`${Object.keys(subpaths).length} subpaths agree`)
    expect(result.status).toBe(0)
  })

  it('fails when an entry is missing from package.json exports', () => {
    const dir = packageCopy((exports) => {
      delete exports['./drivers/memory']
    })
    const result = runCheck(dir)
    expect(result.status).toBe(1)
    expect(result.output).toContain('tsup entry "./drivers/memory" is missing from package.json exports')
  })

  it('fails when package.json exports a subpath that has no entry', () => {
    const dir = packageCopy((exports) => {
      exports['./drivers/redis'] = exports['./drivers/memory']
    })
    const result = runCheck(dir)
    expect(result.status).toBe(1)
    expect(result.output).toContain('exports["./drivers/redis"] has no tsup entry')
  })

  it('fails when an export points at a file the build does not produce', () => {
    const dir = packageCopy((exports) => {
      exports['.'] = {
        import: { types: './dist/index.d.ts', default: './dist/index.mjs' },
        require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
      }
    })
    const result = runCheck(dir)
    expect(result.status).toBe(1)
    expect(result.output).toContain('exports["."] should be')
  })

  it('fails when an export lacks its CommonJS condition', () => {
    const dir = packageCopy((exports) => {
      const target = exports['./testing'] as Record<string, unknown>
      delete target.require
    })
    const result = runCheck(dir)
    expect(result.status).toBe(1)
    expect(result.output).toContain('exports["./testing"] should be')
  })

  it('fails when an entry source file does not exist', () => {
    const dir = packageCopy()
    rmSync(join(dir, subpaths['.'] as string))
    const result = runCheck(dir)
    expect(result.status).toBe(1)
    expect(result.output).toContain('entry .: src/index.ts does not exist')
  })
})

/**
 * A minimal copy of the package: the two scripts, package.json (optionally edited) and an
 * empty placeholder for every entry source, so only what the test breaks is broken.
 */
function packageCopy(edit?: (exports: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'cachekit-check-exports-'))
  copies.push(dir)
  mkdirSync(join(dir, 'scripts'))
  for (const file of ['check-exports.mjs', 'entries.mjs']) {
    copyFileSync(join(root, 'scripts', file), join(dir, 'scripts', file))
  }
  const pkg = structuredClone(packageJson)
  edit?.(pkg.exports)
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2))
  for (const source of Object.values(subpaths)) {
    mkdirSync(dirname(join(dir, source)), { recursive: true })
    writeFileSync(join(dir, source), '')
  }
  return dir
}

function runCheck(dir: string): CheckResult {
  const result = spawnSync(process.execPath, [join(dir, 'scripts', 'check-exports.mjs')], {
    encoding: 'utf8',
    timeout: 10_000,
  })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}
