// Rewrites the `sha1: '...'` literal of every script defined in src/scripts/ and
// src/testing/ to the SHA-1 of its final Lua source, fragments included, finding each
// definition by its script name.
//
//   npm run scripts:sha               after editing a script's Lua or a fragment
//   npm run scripts:sha -- --check    writes nothing; exit 1 and a list of mismatches
//
// It runs under tsx (package.json) because it imports the scripts: a script's Lua is
// composed from fragments at module load, so only the module knows the final string.
// It also fails when a file defines a script that `scripts` (src/scripts/index.ts) or
// `conformanceScripts` (src/testing/scripts.ts) does not list, since the SHA and parity
// tests iterate over those lists.
//
// Why literals at all: a driver needs the SHA-1 synchronously, and the core imports no
// `node:` module (so no node:crypto), while Web Crypto's digest is async and scripts are
// frozen module constants. A hand-written SHA-1 in the core would be code to maintain that
// hashes every script at every cold start. The literals cost nothing at run time; this
// check and the SCRIPT LOAD test (test/scripts) keep them true.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { scripts } from '../src/scripts/index.ts'
import { conformanceScripts } from '../src/testing/scripts.ts'

const FOLDERS = ['src/scripts/', 'src/testing/']
// `defineScript<T>({ name: '...', ... sha1: '...'`; the name must be a literal, first.
const DEFINITION = /defineScript(?:<[^\n]*?>)?\(\{\s*name: '([^']+)',([\s\S]*?)sha1: '([0-9a-f]{40})'/g
const ROOT = new URL('../', import.meta.url)

const check = process.argv.includes('--check')
const byName = new Map()
const problems = []
for (const script of [...scripts, ...conformanceScripts]) {
  if (byName.has(script.name)) problems.push(`two scripts are named ${script.name}`)
  byName.set(script.name, script)
}

const seen = new Set()
const mismatches = []
for (const folder of FOLDERS) {
  for (const file of readdirSync(new URL(folder, ROOT)).filter((name) => name.endsWith('.ts'))) {
    const path = folder + file
    const source = readFileSync(new URL(path, ROOT), 'utf8')
    const calls = source.match(/defineScript[<(]/g)?.length ?? 0
    let found = 0
    const updated = source.replace(DEFINITION, (whole, name, between, sha1) => {
      found++
      if (between.includes('defineScript')) problems.push(`${path}: a script before ${name} has no sha1 literal`)
      const script = byName.get(name)
      if (script === undefined) {
        problems.push(`${path}: ${name} is in neither scripts nor conformanceScripts`)
        return whole
      }
      seen.add(name)
      const actual = createHash('sha1').update(script.lua).digest('hex')
      if (actual === sha1) return whole
      mismatches.push(`${name} (${path}): the literal is ${sha1}, its Lua hashes to ${actual}`)
      return whole.slice(0, -42) + `'${actual}'`
    })
    if (found !== calls) problems.push(`${path}: ${calls - found} defineScript call(s) without a literal name followed by a sha1 literal`)
    if (!check && updated !== source) writeFileSync(new URL(path, ROOT), updated)
  }
}
for (const name of byName.keys()) {
  if (!seen.has(name)) problems.push(`${name}: no definition found in ${FOLDERS.join(' or ')}`)
}

for (const line of mismatches) console.log(check ? `mismatch: ${line}` : `updated: ${line}`)
for (const line of problems) console.error(`error: ${line}`)
if (problems.length > 0 || (check && mismatches.length > 0)) {
  if (check && mismatches.length > 0) console.error('run `npm run scripts:sha` to rewrite them')
  process.exit(1)
}
console.log(
  `${byName.size} script SHA-1s ${check ? 'match their Lua' : mismatches.length > 0 ? 'checked, the mismatches rewritten' : 'already match their Lua'}`,
)
