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
import { RetryTimer } from './retry-timer.js'

/** Retry delays while something waits: 100 ms doubling to 2 s (the breaker's default cooldown). */
const RETRY = Object.freeze({ minMs: 100, maxMs: 2_000 })
const DEFAULT_MAX = 10_000

interface Pending {
  readonly expiresAtMs: number
  readonly send: () => Promise<unknown>
}

export class GiveBacks {
  /** One per lease (key and token), oldest first. */
  private readonly pending = new Map<string, Pending>()
  private readonly retries = new RetryTimer(RETRY, () => void this.flush())
  private sending: Promise<void> | undefined
  private closed = false

  constructor(private readonly max = DEFAULT_MAX) {}

  /**
   * Gives back the lease on `key` held under `token` with `send` (a token-checked delete):
   * sent now and, if it rejects, kept and sent again until it resolves or `ttlMs` from now
   * has passed (the lease is gone by then). Never rejects.
   */
  giveBack(key: string, token: string, ttlMs: number, send: () => Promise<unknown>): void {
    const item: Pending = { expiresAtMs: Date.now() + ttlMs, send }
    void attempt(item).then((sent) => {
      if (!sent) this.keep(`${key}\u0000${token}`, item)
    })
  }

  /** Sends everything waiting now. Resolves once tried; never rejects. */
  flush(): Promise<void> {
    if (this.closed || this.pending.size === 0) return Promise.resolve()
    this.sending ??= this.sendAll().finally(() => {
      this.sending = undefined
    })
    return this.sending
  }

  close(): void {
    this.closed = true
    this.retries.close()
  }

  private keep(id: string, item: Pending): void {
    if (this.closed || item.expiresAtMs <= Date.now()) return
    this.pending.delete(id)
    this.pending.set(id, item)
    while (this.pending.size > this.max) this.pending.delete(this.pending.keys().next().value as string)
    this.retries.schedule()
  }

  private async sendAll(): Promise<void> {
    const now = Date.now()
    for (const [id, item] of [...this.pending]) {
      if (item.expiresAtMs <= now) {
        this.pending.delete(id)
        continue
      }
      // One at a time: while Redis hangs, each try costs a command timeout, not a burst.
      if (!(await attempt(item))) {
        this.retries.schedule()
        return
      }
      if (this.pending.get(id) === item) this.pending.delete(id)
    }
    this.retries.reset()
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
