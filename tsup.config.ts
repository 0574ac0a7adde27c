import { defineConfig } from 'tsup'
import { entries } from './scripts/entries.mjs'

// One entry per subpath export; scripts/check-exports.mjs fails the build when
// package.json `exports` and this list disagree.
export default defineConfig({
  entry: entries,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  target: 'node20',
  // superjson is ESM-only: bundling it keeps the CJS build loadable on every Node 20.
  noExternal: ['superjson'],
  // Framework packages stay the user's: the adapters import them, never bundle them.
  external: [
    'ioredis',
    '@upstash/redis',
    'vitest',
    'express',
    'express-rate-limit',
    'next',
    '@nestjs/common',
    '@nestjs/core',
    'rxjs',
    'hono',
    'keyv',
  ],
})
