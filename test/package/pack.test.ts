/**
 * The published package, as a user gets it: `npm pack` the build, install the tarball
 * into a throwaway project, and load every subpath of package.json `exports` from
 * CommonJS, ESM and TypeScript. Each subpath must expose exactly the runtime exports its
 * source module has, so a new subpath is covered as soon as it is exported.
 *
 * The tarball is installed the way npm lays it out (extracted to node_modules/cachekit),
 * and its dependency and peers (superjson, ioredis, @upstash/redis, vitest) are symlinked
 * from this repository's node_modules: the test needs no network.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { subpaths } from '../../scripts/entries.mjs'
import tsupConfig from '../../tsup.config.js'

const root = join(import.meta.dirname, '..', '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson
const exported = Object.keys(pkg.exports).filter((subpath) => subpath !== './package.json')

/** Names that must be there whatever else changes: the front door of each subpath. */
const landmarks: Record<string, readonly string[]> = {
  '.': ['createCachekit', 'defineKeys', 'CachekitError', 'ValidationError', 'DriverError'],
  './drivers': ['defineScript', 'hashSlot', 'encodeEnvelope', 'resilientDriver'],
  './ops': ['createAdminHandler', 'formatPrometheus', 'parseDuration'],
  './drivers/memory': ['memoryDriver'],
  './drivers/ioredis': ['ioredisDriver'],
  './drivers/upstash': ['upstashDriver'],
  './testing': ['runDriverConformance'],
}

/** Type-only exports the TypeScript fixtures must see (runtime checks cannot). */
const typeLandmarks: Record<string, readonly string[]> = {
  '.': ['Duration', 'CachekitErrorOptions', 'CachekitErrorCode', 'CacheService'],
  './drivers': ['Driver', 'DriverCapabilities', 'Script'],
  './ops': ['HealthReport', 'MetricsSnapshot'],
  './drivers/memory': ['MemoryDriverOptions'],
  './testing': ['DriverConformanceOptions'],
}

const SLOW_MS = 90_000

interface PackageJson {
  exports: Record<string, { import: Record<string, string>; require: Record<string, string> } | string>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

interface PackedFile {
  path: string
}

type LoadResults = Record<string, { names: string[] } | { error: string }>

let work: string
let consumer: string
let packedFiles: string[]
let expected: Record<string, string[]>

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cachekit-pack-'))
  expected = await sourceExports()
  const dist = freshRepoDist() ?? buildInto(join(work, 'build'))
  const tarball = pack(dist)
  consumer = install(tarball)
}, 540_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('the packed package', () => {
  it('covers every subpath in package.json exports with a source entry and landmarks', () => {
    expect(exported.filter((subpath) => !(subpath in subpaths))).toEqual([])
    for (const subpath of exported) {
      expect(expected[subpath], subpath).toEqual(expect.arrayContaining([...(landmarks[subpath] ?? [])]))
      expect(expected[subpath]?.length, `${subpath} exports nothing at runtime`).toBeGreaterThan(0)
    }
    expect(Object.keys(landmarks).filter((subpath) => !exported.includes(subpath))).toEqual([])
  })

  it('contains the build, the README and the changelog, and nothing else', () => {
    const stray = packedFiles.filter((path) => !/^(dist\/.+|package\.json|README\.md|CHANGELOG\.md)$/.test(path))
    expect(stray).toEqual([])
    expect(packedFiles).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'package.json']))
    const targets = exported.flatMap((subpath) => exportTargets(subpath))
    expect(targets.filter((target) => !packedFiles.includes(target.slice(2)))).toEqual([])
  })

  it('bundles its ESM-only dependencies instead of importing them', () => {
    const bundled = (tsupConfig as { noExternal?: string[] }).noExternal ?? []
    expect(bundled).toContain('superjson')
    const javascript = packedFiles.filter((path) => /\.(c?js)$/.test(path))
    for (const name of bundled) {
      const importOf = new RegExp(`(?:require\\(|from\\s*|import\\()\\s*["']${name}(?:/[^"']*)?["']`)
      const importers = javascript.filter((path) => importOf.test(readFileSync(join(consumer, 'node_modules/cachekit', path), 'utf8')))
      expect(importers, `${name} must be bundled, not imported`).toEqual([])
    }
  })

  it(
    'loads every subpath with require() and no warnings',
    () => {
      const result = node(['--require', './vitest-stand-in.cjs', 'load.cjs', JSON.stringify(exported)])
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
      expect(JSON.parse(result.stdout) as LoadResults).toEqual(expectedLoads())
    },
    SLOW_MS,
  )

  it(
    'loads every subpath with import and no warnings',
    () => {
      const result = node(['load.mjs', JSON.stringify(exported)])
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
      expect(JSON.parse(result.stdout) as LoadResults).toEqual(expectedLoads())
    },
    SLOW_MS,
  )

  it(
    'type-checks every subpath under module node16 (ESM and CommonJS files)',
    () => {
      const result = tsc('tsconfig.node16.json')
      expect(result.stdout + result.stderr).toBe('')
      expect(result.status).toBe(0)
    },
    SLOW_MS,
  )

  it(
    'type-checks every subpath under moduleResolution bundler',
    () => {
      const result = tsc('tsconfig.bundler.json')
      expect(result.stdout + result.stderr).toBe('')
      expect(result.status).toBe(0)
    },
    SLOW_MS,
  )

  it(
    'fails the type check when a subpath lacks a named export (the fixture can fail)',
    () => {
      writeFileSync(join(consumer, 'missing.ts'), `import * as core from 'cachekit'\nexport const missing = core.notAnExport\n`)
      writeFileSync(
        join(consumer, 'tsconfig.missing.json'),
        JSON.stringify({ extends: './tsconfig.bundler.json', compilerOptions: { skipLibCheck: true }, files: ['missing.ts'] }),
      )
      const result = tsc('tsconfig.missing.json')
      expect(result.stdout).toContain(`Property 'notAnExport' does not exist`)
      expect(result.status).not.toBe(0)
    },
    SLOW_MS,
  )
})

function expectedLoads(): LoadResults {
  return Object.fromEntries(exported.map((subpath) => [subpath, { names: expected[subpath] ?? [] }]))
}

/** The runtime export names of each subpath's source module: what the build must expose. */
async function sourceExports(): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {}
  for (const subpath of exported) {
    const source = subpaths[subpath]
    if (source === undefined) continue
    result[subpath] = Object.keys((await import(join(root, source))) as object).sort()
  }
  return result
}

/** The repository's dist, when it was built after every input last changed. */
function freshRepoDist(): string | undefined {
  const dist = join(root, 'dist')
  const outputs = exported.flatMap((subpath) => exportTargets(subpath)).map((target) => join(root, target))
  if (!outputs.every((file) => existsSync(file))) return undefined
  const inputs = [
    ...filesUnder(join(root, 'src')),
    ...['package.json', 'tsup.config.ts', 'tsconfig.json', 'scripts/entries.mjs'].map((file) => join(root, file)),
  ]
  const oldestOutputMs = Math.min(...outputs.map((file) => statSync(file).mtimeMs))
  const newestInputMs = Math.max(...inputs.map((file) => statSync(file).mtimeMs))
  return oldestOutputMs >= newestInputMs ? dist : undefined
}

/** Builds into a private folder, so concurrent runs never race on the repository's dist. */
function buildInto(outDir: string): string {
  const result = spawnSync(join(root, 'node_modules/.bin/tsup'), ['--out-dir', outDir], {
    cwd: root,
    encoding: 'utf8',
    // The declaration build alone took 165 s beside other work on this 2-core machine.
    timeout: 400_000,
  })
  if (result.status !== 0) throw new Error(`tsup failed:\n${result.stdout}\n${result.stderr}`)
  return outDir
}

/** `npm pack` of a staging copy holding what package.json `files` names. */
function pack(dist: string): string {
  const stage = join(work, 'stage')
  mkdirSync(stage)
  cpSync(dist, join(stage, 'dist'), { recursive: true })
  for (const file of ['package.json', 'README.md', 'CHANGELOG.md']) {
    if (existsSync(join(root, file))) cpSync(join(root, file), join(stage, file))
  }
  const result = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
    cwd: stage,
    encoding: 'utf8',
    timeout: 60_000,
  })
  if (result.status !== 0) throw new Error(`npm pack failed:\n${result.stderr}`)
  const [packed] = JSON.parse(result.stdout) as [{ filename: string; files: PackedFile[] }]
  packedFiles = packed.files.map((file) => file.path).sort()
  return join(work, packed.filename)
}

/** A throwaway consumer project with the tarball installed and the fixtures written. */
function install(tarball: string): string {
  const dir = join(work, 'consumer')
  const installed = join(dir, 'node_modules', 'cachekit')
  mkdirSync(installed, { recursive: true })
  const untar = spawnSync('tar', ['-xzf', tarball, '--strip-components=1', '-C', installed], { encoding: 'utf8' })
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`)
  const linked = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), '@types/node']
  for (const name of linked) {
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true })
    symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name), 'dir')
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'cachekit-consumer', private: true }))
  writeFixtures(dir)
  return dir
}

function writeFixtures(dir: string): void {
  writeFileSync(join(dir, 'load.cjs'), LOAD_CJS)
  writeFileSync(join(dir, 'load.mjs'), LOAD_MJS)
  writeFileSync(join(dir, 'vitest-stand-in.cjs'), VITEST_STAND_IN)
  const fixture = typeFixture()
  for (const file of ['check.mts', 'check.cts', 'check.ts']) writeFileSync(join(dir, file), fixture)
  const compilerOptions = {
    target: 'ES2022',
    lib: ['ES2023', 'DOM'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  }
  writeFileSync(
    join(dir, 'tsconfig.node16.json'),
    JSON.stringify({
      compilerOptions: { ...compilerOptions, module: 'node16', moduleResolution: 'node16' },
      files: ['check.mts', 'check.cts'],
    }),
  )
  writeFileSync(
    join(dir, 'tsconfig.bundler.json'),
    JSON.stringify({ compilerOptions: { ...compilerOptions, module: 'esnext', moduleResolution: 'bundler' }, files: ['check.ts'] }),
  )
}

/** One namespace import per subpath, touching every runtime export and the type landmarks. */
function typeFixture(): string {
  const lines = exported.flatMap((subpath, index) => {
    const specifier = subpath === '.' ? 'cachekit' : `cachekit/${subpath.slice(2)}`
    const namespace = `entry${index}`
    return [
      `import * as ${namespace} from '${specifier}'`,
      `export const values${index} = [${(expected[subpath] ?? []).map((name) => `${namespace}.${name}`).join(', ')}]`,
      ...(typeLandmarks[subpath] ?? []).map((name) => `export type ${name}${index} = ${namespace}.${name}`),
    ]
  })
  return `${lines.join('\n')}\n`
}

function exportTargets(subpath: string): string[] {
  const target = pkg.exports[subpath]
  if (target === undefined || typeof target === 'string') return target === undefined ? [] : [target]
  return [...Object.values(target.import), ...Object.values(target.require)]
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
}

function node(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, { cwd: consumer, encoding: 'utf8', timeout: 60_000 })
}

function tsc(project: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], {
    cwd: consumer,
    encoding: 'utf8',
    timeout: 80_000,
  })
}

const SPECIFIER = `const specifier = (subpath) => (subpath === '.' ? 'cachekit' : 'cachekit/' + subpath.slice(2))`

const LOAD_CJS = `${SPECIFIER}
const results = {}
for (const subpath of JSON.parse(process.argv[2])) {
  try {
    results[subpath] = { names: Object.keys(require(specifier(subpath))).sort() }
  } catch (error) {
    results[subpath] = { error: String(error && error.stack) }
  }
}
console.log(JSON.stringify(results))
`

const LOAD_MJS = `${SPECIFIER}
const results = {}
for (const subpath of JSON.parse(process.argv[2])) {
  try {
    results[subpath] = { names: Object.keys(await import(specifier(subpath))).sort() }
  } catch (error) {
    results[subpath] = { error: String(error && error.stack) }
  }
}
console.log(JSON.stringify(results))
`

/**
 * A stand-in for vitest under require(), and the only mock here: vitest refuses to be
 * required ("Vitest cannot be imported in a CommonJS module"), so the CommonJS build of
 * cachekit/testing cannot load outside vitest, which always loads the ESM build. The
 * CommonJS build exists for the types of CommonJS TypeScript projects; this proves its
 * JavaScript still loads and exports the same names.
 */
const VITEST_STAND_IN = `const Module = require('node:module')
const load = Module._load
const standIn = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : () => { throw new Error('vitest stand-in: run this under vitest') }) })
Module._load = function (request, ...rest) {
  return request === 'vitest' ? standIn : load.call(this, request, ...rest)
}
`
