/**
 * How duplicates wait for the caller running their key: they listen on the key's
 * completion channel (where the driver has pub/sub) and poll with backoff besides, since
 * a message can be lost (reconnects) and a dead owner never publishes. Duplicates of one
 * key in one process share one subscription.
 */
import type { Driver, Unsubscribe } from '../drivers/driver.js'

const FIRST_POLL_MS = 25
const MAX_POLL_MS = 500

/** One waiting call. */
export interface CompletionWaiter {
  /** Resolves on a completion message, after the next poll delay, or after `maxMs`, whichever is first. */
  next(maxMs: number): Promise<void>
  /** Stops listening. Never rejects. */
  stop(): Promise<void>
}

interface Listening {
  readonly wakers: Set<() => void>
  readonly subscribed: Promise<Unsubscribe | undefined>
}

/** The completion channels one idempotency service listens on. */
export class CompletionChannels {
  private readonly channels = new Map<string, Listening>()

  constructor(private readonly driver: Driver) {}

  /** Starts waiting on `channel`; resolves once listening (or once it is clear only polling is left). */
  async wait(channel: string): Promise<CompletionWaiter> {
    let listening = this.channels.get(channel)
    if (listening === undefined) {
      const wakers = new Set<() => void>()
      const subscribed = this.driver.capabilities.pubsub
        ? this.driver
            .subscribe(channel, () => {
              for (const wake of [...wakers]) wake()
            })
            .catch(() => undefined)
        : Promise.resolve(undefined)
      listening = { wakers, subscribed }
      this.channels.set(channel, listening)
    }
    const current = listening
    await current.subscribed
    return this.waiter(channel, current)
  }

  private waiter(channel: string, listening: Listening): CompletionWaiter {
    let pollMs = FIRST_POLL_MS
    let woken = false
    let wake: (() => void) | undefined
    const signal = () => {
      if (wake) wake()
      else woken = true
    }
    listening.wakers.add(signal)
    return {
      next: (maxMs) => {
        const delay = Math.max(0, Math.min(pollMs, maxMs))
        pollMs = Math.min(pollMs * 2, MAX_POLL_MS)
        if (woken) {
          woken = false
          return Promise.resolve()
        }
        return new Promise((resolve) => {
          const done = () => {
            clearTimeout(timer)
            wake = undefined
            resolve()
          }
          const timer = setTimeout(done, delay)
          wake = done
        })
      },
      stop: async () => {
        wake?.()
        listening.wakers.delete(signal)
        if (listening.wakers.size > 0 || this.channels.get(channel) !== listening) return
        this.channels.delete(channel)
        const unsubscribe = await listening.subscribed
        await unsubscribe?.().catch(() => undefined)
      },
    }
  }
}
