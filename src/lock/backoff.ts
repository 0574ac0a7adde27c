/** Exponential backoff with jitter, and a sleep that lets the process exit. */
import { unref } from '../core/deadline.js'

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

/** Resolves after `ms`; the timer does not keep the process alive. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => unref(setTimeout(resolve, ms)))
}
