import { rolloutBucket } from './bucket.js'
import type { CompiledFlag } from './flag-state.js'

/**
 * Whether `flag` is on for `userId`. In order: a denied user is off; an allowed user is
 * on; a disabled flag is off; a percentage rollout is on for users whose bucket is below
 * it (and off without a user id, unless at 100 %); otherwise on.
 */
export function evaluateFlag(name: string, flag: CompiledFlag, userId: string | undefined): boolean {
  if (userId !== undefined) {
    if (flag.deny.has(userId)) return false
    if (flag.allow.has(userId)) return true
  }
  const { enabled, percentage } = flag.state
  if (!enabled) return false
  if (percentage === undefined || percentage >= 100) return true
  if (userId === undefined) return false
  return rolloutBucket(name, userId) < Math.round(percentage * 100)
}
