// Fails (exit 1) when package.json `exports` and the tsup entries disagree.
import { readFileSync, existsSync } from 'node:fs'
import { subpaths, entries } from './entries.mjs'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const problems = []
const exported = Object.keys(pkg.exports).filter((k) => k !== './package.json')

for (const subpath of exported) {
  if (!(subpath in subpaths)) problems.push(`exports["${subpath}"] has no tsup entry in scripts/entries.mjs`)
}
for (const [subpath, source] of Object.entries(subpaths)) {
  if (!existsSync(new URL(`../${source}`, import.meta.url))) problems.push(`entry ${subpath}: ${source} does not exist`)
  const target = pkg.exports[subpath]
  if (!target) {
    problems.push(`tsup entry "${subpath}" is missing from package.json exports`)
    continue
  }
  const out = Object.entries(entries).find(([, src]) => src === source)[0]
  const expected = {
    import: { types: `./dist/${out}.d.ts`, default: `./dist/${out}.js` },
    require: { types: `./dist/${out}.d.cts`, default: `./dist/${out}.cjs` },
  }
  if (JSON.stringify(target) !== JSON.stringify(expected)) {
    problems.push(`exports["${subpath}"] should be ${JSON.stringify(expected)}, found ${JSON.stringify(target)}`)
  }
}

if (problems.length > 0) {
  console.error(`package.json exports and tsup entries disagree:\n  - ${problems.join('\n  - ')}`)
  process.exit(1)
}
console.log(`exports check: ${exported.length} subpaths agree with tsup entries`)
