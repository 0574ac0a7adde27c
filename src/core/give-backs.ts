/**
 * Give-backs that could not be sent: token-guarded deletes of a lease this process took, or
 * may have taken (a write whose reply never came). A lease nobody gives back blocks every
 * other instance until its TTL: a lock for 30 s, a cache key for its lease time. So a
 * give-back the driver refused (timeout, lost connection, open breaker) is kept and sent
 * again with backoff until it is answered, or until the lease would have expired anyway.
 *
 * Sending one late is safe: each compares the lease's token with this process's own and
 * deletes nothing else, so a lease another owner took meanwhile is untouched.
 *
 * Bounded: past `max` waiting give-backs the oldest is dropped; its lease then expires by
 * its TTL, as before. Nothing here survives a crash of the process.
 */

/** Retry delays while something waits: 100 ms doubling to 2 s (the breaker's default cooldown). */
const RETRY_MIN_MS = 100
const RETRY_MAX_MS = 2_000
const DEFAULT_MAX = 10_000

interface Pending {
  readonly expiresAtMs: number
  readonly send: () => Promise<unknown>
}

export class GiveBacks {
  private readonly pending = new Map<string, Pending>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private retryMs = RETRY_MIN_MS
  private sending: Promise<void> | undefined
  private closed = false

  constructor(private readonly max = DEFAULT_MAX) {}

  /** How many give-backs wait for the driver. */
  get size(): number {
    return this.pending.size
  }

  /**
   * Sends `send` now; if it rejects, keeps it (under `id`: one per lease) and sends it again
   * until it resolves or `expiresAtMs` has passed. Never rejects.
   */
  giveBack(id: string, expiresAtMs: number, send: () => Promise<unknown>): void {
    const item: Pending = { expiresAtMs, send }
    attempt(item).then(
      (sent) => {
        if (!sent) this.keep(id, item)
      },
      () => undefined,
    )
  }

  /** Sends everything waiting now (the driver answered again). Resolves once tried; never rejects. */
  flush(): Promise<void> {
    if (this.closed || this.pending.size === 0) return Promise.resolve()
    this.sending ??= this.sendAll().finally(() => {
      this.sending = undefined
    })
    return this.sending
  }

  close(): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private keep(id: string, item: Pending): void {
    if (this.closed || item.expiresAtMs <= Date.now()) return
    this.pending.delete(id)
    this.pending.set(id, item)
    while (this.pending.size > this.max) this.pending.delete(this.pending.keys().next().value as string)
    this.schedule()
  }

  private async sendAll(): Promise<void> {
    const now = Date.now()
    let failed = false
    for (const [id, item] of [...this.pending]) {
      if (item.expiresAtMs <= now) {
        this.pending.delete(id)
        continue
      }
      // One at a time: while Redis hangs, each try costs a command timeout, not a burst.
      if (await attempt(item)) {
        if (this.pending.get(id) === item) this.pending.delete(id)
      } else {
        failed = true
        break
      }
    }
    if (failed) this.schedule()
    else this.retryMs = RETRY_MIN_MS
  }

  private schedule(): void {
    if (this.closed || this.timer !== undefined || this.pending.size === 0) return
    const delayMs = this.retryMs
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS)
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, delayMs)
    ;(this.timer as { unref?: () => void }).unref?.()
  }
}

/** True when `item` was sent and answered. */
async function attempt(item: Pending): Promise<boolean> {
  try {
    await item.send()
    return true
  } catch {
    return false
  }
}
