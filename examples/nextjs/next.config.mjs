// The example lives inside the cachekit repository: `cachekit` resolves to ../../src through
// tsconfig paths, so the bundler's root is the repository. In your app, drop `turbopack.root`.
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** @type {import('next').NextConfig} */
const nextConfig = {
  turbopack: { root },
  outputFileTracingRoot: root,
  // `npm run typecheck` checks this example with the rest of the repository.
  typescript: { ignoreBuildErrors: true },
}

export default nextConfig
