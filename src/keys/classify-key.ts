/**
 * Which key family a stored key belongs to, for distribution reports and the guard's
 * eviction: the families of `defineKeys` first, then cachekit's own feature keys
 * (`__<feature>:...`), then the first segment, as the cache names plain string keys.
 */
import type { KeyFamilyInfo, KeyPriority } from '../keys/key-family.js'

/** The parts of a key family the operations features use. */
export type FamilyInfo = Pick<KeyFamilyInfo, 'family' | 'priority' | 'pattern' | 'parse' | 'ttlMs'>

/** The key families in a kit's `keys` (the result of `defineKeys`), or none. */
export function familiesOf(keys: unknown): FamilyInfo[] {
  if (typeof keys !== 'object' || keys === null) return []
  return Object.values(keys).filter(isFamily)
}

/** The family a key (relative to the namespace) belongs to. */
export function classifyKey(relativeKey: string, families: readonly FamilyInfo[]): string {
  // The cache's refresh lease sits beside its entry, separated by a space no key can hold.
  if (relativeKey.endsWith(' refresh-lease')) return '(lease)'
  if (relativeKey.startsWith('__')) {
    const end = relativeKey.slice(2).search(/[:{]/)
    return end === -1 ? relativeKey : relativeKey.slice(0, end + 2)
  }
  for (const family of families) if (family.parse(relativeKey) !== null) return family.family
  const colon = relativeKey.indexOf(':')
  return colon > 0 ? relativeKey.slice(0, colon) : relativeKey
}

/** Families whose priority is one of `priorities`. */
export function familiesWithPriority(families: readonly FamilyInfo[], priorities: readonly KeyPriority[]): FamilyInfo[] {
  return families.filter((family) => priorities.includes(family.priority))
}

function isFamily(value: unknown): value is FamilyInfo {
  const candidate = value as Partial<FamilyInfo> | undefined
  return (
    typeof value === 'function' &&
    typeof candidate?.family === 'string' &&
    typeof candidate.pattern === 'function' &&
    typeof candidate.parse === 'function' &&
    typeof candidate.priority === 'string'
  )
}
