/** Which cluster slot a SCAN pattern can match, when its hash tag is literal. */
import { hashSlot } from '../../core/slot.js'

const GLOB_CHARACTERS = /[*?[\\]/

/**
 * The one slot every key matching `pattern` hashes to, or `undefined` when keys may be
 * anywhere. That needs a literal prefix without `{` or glob characters (a `*` before the
 * tag could expand to an earlier `{...}` that becomes the key's hash tag instead), then a
 * non-empty literal `{tag}`.
 *
 * @example literalTagSlot('app:{user:42}:*') === hashSlot('user:42')
 */
export function literalTagSlot(pattern: string): number | undefined {
  const open = pattern.indexOf('{')
  if (open === -1) return undefined
  const close = pattern.indexOf('}', open + 1)
  if (close <= open + 1) return undefined
  const prefix = pattern.slice(0, open)
  const tag = pattern.slice(open + 1, close)
  if (GLOB_CHARACTERS.test(prefix) || GLOB_CHARACTERS.test(tag)) return undefined
  return hashSlot(`{${tag}}`)
}
