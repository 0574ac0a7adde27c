/** Exponential backoff with jitter. */

/** What {@link backoffDelay} needs. */
export interface Backoff {
  readonly initialDelayMs: number
  readonly maxDelayMs: number
  readonly factor: number
}

/**
 * The delay before attempt `attempt + 1` (0-based): `initialDelay * factor^attempt`,
 * capped at `maxDelay`, then jittered to between half and all of it ("equal jitter":
 * never a zero delay that would spin, and colliding waiters spread apart).
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * backoff.factor ** attempt)
  return Math.ceil(base / 2 + random() * (base / 2))
}

/**
 * Resolves after `ms`. The timer keeps the process alive on purpose: someone awaits the
 * acquisition (a script waiting for a lock must not exit half-way).
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
