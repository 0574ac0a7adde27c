/**
 * How a parameter value is written into its segment of a key: the one definition of a
 * family's key format, used to build keys and patterns and, in reverse, to check parsed
 * keys.
 *
 * Values are escaped with `escapeParam`. Where that would make the value's segment start
 * with `__` (cachekit's reserved space, where a nested kit keeps its locks and counters:
 * a value `__lock` at a segment's start, `_x` after a literal `_`, `_` before a literal
 * `_x`), the value's leading `_` is percent-encoded too (`%5F`). The decision depends on
 * the value and the template only, so a pattern naming some values matches exactly the
 * keys built from them, and every other key keeps its plain encoding.
 */
import { escapeParam, type ParamValue } from './escape.js'
import type { CompiledTemplate } from './template.js'

/** The literal text sharing a parameter's segment: before it and after it. */
export interface SegmentContext {
  readonly before: string
  readonly after: string
}

const UNDERSCORE = 95

/**
 * The segment context of every parameter. One parameter per segment (templates are
 * checked so), so `literals[i]` holds the ':' that starts parameter i's segment unless i is 0.
 */
export function segmentContexts(compiled: CompiledTemplate): SegmentContext[] {
  const { names, literals } = compiled
  return names.map((_, i) => {
    const before = literals[i] as string
    const after = literals[i + 1] as string
    const colon = after.indexOf(':')
    return { before: before.slice(before.lastIndexOf(':') + 1), after: colon === -1 ? after : after.slice(0, colon) }
  })
}

/**
 * `value` escaped for its segment. The hot path costs one character test beyond
 * `escapeParam`: only a value starting with `_` can open a `__` segment.
 *
 * @throws {ValidationError} for a value `escapeParam` refuses.
 */
export function escapeInSegment(value: ParamValue, context: SegmentContext, what: string): string {
  const escaped = escapeParam(value, what)
  if (escaped.charCodeAt(0) !== UNDERSCORE) return escaped
  return `${context.before}${escaped}${context.after}`.startsWith('__') ? `%5F${escaped.slice(1)}` : escaped
}

/** The key for `values` (in template order). `labels[i]` names parameter `i` in errors. */
export function renderKey(
  compiled: CompiledTemplate,
  contexts: readonly SegmentContext[],
  values: readonly ParamValue[],
  labels: readonly string[],
): string {
  const { literals } = compiled
  let key = literals[0] as string
  for (let i = 0; i < values.length; i++)
    key += escapeInSegment(values[i] as ParamValue, contexts[i] as SegmentContext, labels[i] as string) + (literals[i + 1] as string)
  return key
}
