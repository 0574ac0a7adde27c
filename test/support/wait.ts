/**
 * Waiting in tests: on a condition with `vi.waitFor(check, patience)`, never on a fixed
 * sleep. `check` throws (an `expect`) until the condition holds; an async `check` is not
 * called again while its last call is still running.
 */

/**
 * `vi.waitFor` options sized for a loaded 2-core machine running several suites: a
 * condition that holds within milliseconds on a quiet machine may take seconds there.
 * @example await vi.waitFor(() => expect(lock.signal.aborted).toBe(true), patience)
 */
export const patience = Object.freeze({ timeout: 10_000, interval: 20 })

/** Lets the clock pass `ms` (so two timestamps differ) by polling it, not by betting on a sleep. */
export async function clockPasses(ms: number): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until) await new Promise((resolve) => setTimeout(resolve, Math.min(25, Math.max(1, until - Date.now()))))
}
