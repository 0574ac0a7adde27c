/**
 * Edge runtimes (Vercel Edge, Cloudflare Workers, Deno Deploy) have no Node builtins.
 * Each edge-safe entry is bundled from source with esbuild for a neutral platform; any
 * import of a `node:` module or a Node builtin, by cachekit or by anything it bundles,
 * fails the test. Optional peer dependencies stay external: the user installs them and
 * picks their edge build (@upstash/redis has one).
 */
import { readFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { join } from 'node:path'
import { build, type Plugin } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { edgeSafeSubpaths, subpaths } from '../../scripts/entries.mjs'

const root = join(import.meta.dirname, '..', '..')
const peerDependencies = Object.keys(
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies,
)

interface BuiltinImport {
  specifier: string
  importer: string
}

describe('edge-safe entries', () => {
  it('are all package subpaths', () => {
    expect(edgeSafeSubpaths.filter((subpath) => !(subpath in subpaths))).toEqual([])
  })

  it.each([...edgeSafeSubpaths])('%s imports no Node builtin, transitively', async (subpath) => {
    const source = subpaths[subpath]
    expect(source, `${subpath} is not in scripts/entries.mjs`).toBeDefined()
    const found = await builtinImports({ entryPoints: [join(root, source as string)] })
    expect(found).toEqual([])
  })

  it('catches a builtin imported two modules deep (the check itself works)', async () => {
    const found = await builtinImports({
      stdin: {
        contents: `import { hashSlot } from './src/index.ts'\nimport { createHash } from 'node:crypto'\nexport { hashSlot, createHash }`,
        resolveDir: root,
        sourcefile: 'probe.ts',
        loader: 'ts',
      },
    })
    expect(found).toEqual([{ specifier: 'node:crypto', importer: 'probe.ts' }])
  })
})

/** Bundles one entry for a neutral platform and returns every builtin it reaches. */
async function builtinImports(input: Pick<Parameters<typeof build>[0], 'entryPoints' | 'stdin'>): Promise<BuiltinImport[]> {
  const found: BuiltinImport[] = []
  await build({
    ...input,
    bundle: true,
    write: false,
    logLevel: 'silent',
    platform: 'neutral',
    format: 'esm',
    // What edge bundlers resolve with; `import` and `default` are always on.
    mainFields: ['module', 'main'],
    conditions: ['edge-light', 'workerd', 'worker', 'browser'],
    plugins: [detectBuiltins(found)],
  })
  return found
}

function detectBuiltins(found: BuiltinImport[]): Plugin {
  return {
    name: 'detect-node-builtins',
    setup(bundler) {
      bundler.onResolve({ filter: /.*/ }, (args) => {
        if (args.path.startsWith('node:') || isBuiltin(args.path)) {
          found.push({ specifier: args.path, importer: args.importer.replace(`${root}/`, '') || 'probe.ts' })
          return { path: args.path, external: true }
        }
        if (peerDependencies.some((peer) => args.path === peer || args.path.startsWith(`${peer}/`))) {
          return { path: args.path, external: true }
        }
        return undefined
      })
    },
  }
}
