// Recomputes the `sha1` constant of every script in src/scripts/ from its `lua` source.
// Run after editing a script's Lua: `node scripts/update-script-shas.mjs`.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'

const dir = new URL('../src/scripts/', import.meta.url)
for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
  const path = new URL(file, dir)
  const source = readFileSync(path, 'utf8')
  const lua = /lua: `([\s\S]*?)`,/.exec(source)?.[1]
  if (lua === undefined) continue
  const sha1 = createHash('sha1').update(lua).digest('hex')
  const updated = source.replace(/sha1: '[0-9a-f]{40}'/, `sha1: '${sha1}'`)
  if (updated !== source) {
    writeFileSync(path, updated)
    console.log(`${file}: ${sha1}`)
  }
}
