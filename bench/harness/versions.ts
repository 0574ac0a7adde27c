/** Versions of the measured libraries, read from what is installed. */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const require = createRequire(join(ROOT, 'package.json'))

/** The installed version of `name` ('cachekit' is this repository). */
export function versionOf(name: string): string {
  if (name === '') return ''
  const path = name === 'cachekit' ? join(ROOT, 'package.json') : join(ROOT, 'node_modules', name, 'package.json')
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version
  } catch {
    return (require(`${name}/package.json`) as { version: string }).version
  }
}

export { ROOT }
