import { decodeParamLoosely } from './escape.js'
import { renderKey, segmentContexts } from './render-key.js'
import type { CompiledTemplate } from './template.js'

/** One escaped parameter: unreserved characters or `%XX` escapes. Mirrors escape.ts. */
const ESCAPED_VALUE = '((?:[^\\x00-\\x20\\x7f%:*?[\\]\\\\{}]|%[0-9A-F]{2})+)'

/**
 * Compiles the exact inverse of a template: a function from a key (relative to the
 * namespace) to its decoded parameters, or `null` when no parameters of this template
 * produce exactly that key (so never a key with a `__` segment, which building never
 * makes). SCAN patterns over-match (a `*` also matches `:`), so
 * pattern-based work filters the keys SCAN returns with this.
 */
export function compileKeyParser(compiled: CompiledTemplate): (key: string) => Record<string, string> | null {
  const { names, literals } = compiled
  const contexts = segmentContexts(compiled)
  const matcher = new RegExp(`^${literals.map(escapeRegExp).join(ESCAPED_VALUE)}$`)
  return (key) => {
    if (typeof key !== 'string') return null
    const match = matcher.exec(key)
    if (match === null) return null
    const params: Record<string, string> = {}
    const values: string[] = []
    for (let i = 0; i < names.length; i++) {
      const value = decodeParamLoosely(match[i + 1] as string)
      if (value === null) return null
      params[names[i] as string] = value
      values.push(value)
    }
    // The exact inverse: only the key these values build (canonical escapes, the strict
    // encoding exactly where building uses it) parses; a feature key never does.
    return renderKey(compiled, contexts, values, names) === key ? params : null
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}
