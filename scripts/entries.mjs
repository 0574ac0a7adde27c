/**
 * The package's entry points: subpath export -> source file.
 * tsup builds exactly these; scripts/check-exports.mjs proves package.json agrees.
 */
export const subpaths = {
  '.': 'src/index.ts',
  './drivers/memory': 'src/drivers/memory/index.ts',
  './drivers/ioredis': 'src/drivers/ioredis/index.ts',
  './drivers/upstash': 'src/drivers/upstash/index.ts',
  './drivers': 'src/driver-tools/index.ts',
  './testing': 'src/testing/index.ts',
  './express': 'src/adapters/express/index.ts',
  './next': 'src/adapters/next/index.ts',
  './nestjs': 'src/adapters/nestjs/index.ts',
  './hono': 'src/adapters/hono/index.ts',
  './keyv': 'src/adapters/keyv/index.ts',
  './prometheus': 'src/prometheus/index.ts',
  './otel': 'src/otel/index.ts',
  './ops': 'src/ops/index.ts',
}

/** Executables: output name (without extension) -> source file; package.json `bin` points at the .js. */
export const binaries = {
  'cli/cachekit': 'src/cli/bin.ts',
}

/**
 * Subpaths that must run on edge runtimes: they import no `node:` module and no Node
 * builtin, transitively (test/package/edge-safe.test.ts bundles each one to prove it).
 */
export const edgeSafeSubpaths = ['.', './drivers', './drivers/memory', './drivers/upstash', './ops', './next', './hono']

/** tsup entry map: output name (without extension) -> source file. */
export const entries = {
  ...Object.fromEntries(
    Object.entries(subpaths).map(([subpath, source]) => [subpath === '.' ? 'index' : `${subpath.slice(2)}/index`, source]),
  ),
  ...binaries,
}
