/** A flush that repeats every `every`, in every instance that schedules it; the flush lock picks one per round. */
import { CachekitError } from '../core/errors/index.js'
import { unref } from '../core/deadline.js'
import type { FlushResult } from './options.js'

/** What `scheduleFlush` returns. */
export interface FlushSchedule {
  /** Stops the schedule and waits for a flush in progress to finish. Idempotent. */
  stop(): Promise<void>
}

/**
 * Runs `flush` every `everyMs` (after each run finishes, so runs never overlap in one
 * process). A round another process is flushing (`LOCK_NOT_ACQUIRED`) is skipped quietly;
 * other failures go to `onError`. Nothing is ever left as an unhandled rejection. The
 * timer does not keep the process alive.
 */
export function repeatFlush(
  flush: () => Promise<FlushResult>,
  everyMs: number,
  onFlush: ((result: FlushResult) => void) | undefined,
  onError: (error: unknown) => void,
): FlushSchedule {
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<void> = Promise.resolve()
  const schedule = (): void => {
    if (stopped) return
    timer = setTimeout(tick, everyMs)
    unref(timer)
  }
  const tick = (): void => {
    timer = undefined
    running = flush()
      .then(
        (result) => onFlush?.(result),
        (error: unknown) => {
          if (!CachekitError.is(error, 'LOCK_NOT_ACQUIRED')) onError(error)
        },
      )
      .catch(() => undefined)
      .finally(schedule)
  }
  schedule()
  return {
    async stop() {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      await running
    },
  }
}
