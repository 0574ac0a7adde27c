// Recomputes the `sha1` of every script defined in src/scripts/ and src/testing/ from
// its `lua` source (the `sha1:` property must directly follow `lua:`).
// Run after editing a script's Lua: `npm run scripts:sha`.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'

const DEFINITION = /lua: `([\s\S]*?)`,(\s*)sha1: '[0-9a-f]{40}'/g

for (const folder of ['../src/scripts/', '../src/testing/']) {
  const dir = new URL(folder, import.meta.url)
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const path = new URL(file, dir)
    const source = readFileSync(path, 'utf8')
    const updated = source.replace(DEFINITION, (_, lua, space) => {
      const sha1 = createHash('sha1').update(lua).digest('hex')
      return `lua: \`${lua}\`,${space}sha1: '${sha1}'`
    })
    if (updated !== source) {
      writeFileSync(path, updated)
      console.log(`updated ${folder}${file}`)
    }
  }
}
