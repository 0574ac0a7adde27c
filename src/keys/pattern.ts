import type { ParamValue } from './escape.js'
import { escapeInSegment, segmentContexts, type SegmentContext } from './render-key.js'
import type { CompiledTemplate } from './template.js'

/**
 * Builds a Redis SCAN MATCH pattern (relative to the namespace) for the keys of one
 * template: given parameters are matched literally (escaped as keys are, render-key.ts),
 * missing ones become `*`.
 *
 * Safe by construction: escaped values contain no glob metacharacters (`* ? [ ] \`) and
 * template literals may not contain them, so no value can widen the pattern. A `*` for a
 * missing parameter can also match `:`, so `user:*` matches `user:42:profile` too; filter
 * what SCAN returns with the family's `parse` when that matters.
 *
 * `labels[i]` names parameter `i` in error messages.
 */
export function buildPattern(
  compiled: CompiledTemplate,
  params: Readonly<Record<string, ParamValue | undefined>>,
  labels: readonly string[],
  contexts: readonly SegmentContext[] = segmentContexts(compiled),
): string {
  const { names, literals } = compiled
  let pattern = literals[0] as string
  for (let i = 0; i < names.length; i++) {
    const value = params[names[i] as string]
    pattern +=
      (value === undefined ? '*' : escapeInSegment(value, contexts[i] as SegmentContext, labels[i] as string)) + (literals[i + 1] as string)
  }
  return pattern
}
