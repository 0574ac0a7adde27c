/**
 * One retry at a time, with exponential backoff: the schedule that the invalidation outbox,
 * the lease give-backs and the cache bus's subscription share. `schedule()` arms one timer
 * (a second call while armed does nothing) that runs `retry` after the current delay and
 * doubles the delay for next time, up to `maxMs`; `reset()` goes back to `minMs` once a try
 * succeeded. The timer is unref'd: a pending retry never keeps a process alive.
 */
export interface RetryTimerOptions {
  readonly minMs: number
  readonly maxMs: number
  /** Adds up to this fraction of the delay at random, so processes that failed together do not retry in lockstep. @default 0 */
  readonly jitter?: number
}

export class RetryTimer {
  private timer: ReturnType<typeof setTimeout> | undefined
  private delayMs: number
  private closed = false

  constructor(
    private readonly options: RetryTimerOptions,
    private readonly retry: () => void,
  ) {
    this.delayMs = options.minMs
  }

  /** Arms the timer, unless it is armed already or closed. */
  schedule(): void {
    if (this.closed || this.timer !== undefined) return
    const jitterMs = this.options.jitter ? Math.floor(Math.random() * this.delayMs * this.options.jitter) : 0
    const delayMs = this.delayMs + jitterMs
    this.delayMs = Math.min(this.delayMs * 2, this.options.maxMs)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.retry()
    }, delayMs)
    ;(this.timer as { unref?: () => void }).unref?.()
  }

  /** Back to the shortest delay (a try succeeded). */
  reset(): void {
    this.delayMs = this.options.minMs
  }

  /** Disarms the timer for good. */
  close(): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}
