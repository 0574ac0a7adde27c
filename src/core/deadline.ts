/**
 * Per-call timeouts without a timer per call.
 *
 * Calls with the same timeout finish their deadlines in the order they start, so
 * each distinct timeout keeps a FIFO queue and one timer armed for its head. A hot
 * path of 100k+ calls/s then costs one array push and one flag write per call.
 */

interface Pending {
  readonly deadline: number
  settled: boolean
  readonly expire: () => void
}

class DeadlineQueue {
  private items: Pending[] = []
  private head = 0
  private timer: ReturnType<typeof setTimeout> | undefined

  push(item: Pending): void {
    this.items.push(item)
    if (this.timer === undefined) this.arm()
  }

  /** Drops settled entries at the head so the queue stays as short as the calls in flight. */
  trim(): void {
    while (this.head < this.items.length && (this.items[this.head] as Pending).settled) this.head++
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    if (this.head === this.items.length) this.reset()
  }

  private arm(): void {
    const first = this.items[this.head]
    if (!first) return
    this.timer = setTimeout(() => this.fire(), Math.max(0, first.deadline - Date.now()))
    unref(this.timer)
  }

  private fire(): void {
    this.timer = undefined
    const now = Date.now()
    while (this.head < this.items.length) {
      const item = this.items[this.head] as Pending
      if (!item.settled && item.deadline > now) break
      this.head++
      if (!item.settled) {
        item.settled = true
        item.expire()
      }
    }
    this.trim()
    if (this.head < this.items.length) this.arm()
  }

  private reset(): void {
    this.items = []
    this.head = 0
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}

/** Enforces timeouts on promises. One instance per driver. */
export class Deadlines {
  private readonly queues = new Map<number, DeadlineQueue>()

  /**
   * Settles like `promise`, or rejects with `onTimeout()` once `timeoutMs` passes.
   * A late rejection of `promise` is swallowed, never unhandled.
   */
  run<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    let queue = this.queues.get(timeoutMs)
    if (!queue) {
      queue = new DeadlineQueue()
      this.queues.set(timeoutMs, queue)
    }
    const owner = queue
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = {
        deadline: Date.now() + timeoutMs,
        settled: false,
        expire: () => reject(onTimeout()),
      }
      owner.push(pending)
      promise.then(
        (value) => {
          if (pending.settled) return
          pending.settled = true
          owner.trim()
          resolve(value)
        },
        (error: unknown) => {
          if (pending.settled) return
          pending.settled = true
          owner.trim()
          reject(error)
        },
      )
    })
  }
}

/** Lets the process exit while only a deadline timer is pending (no-op on edge runtimes). */
export function unref(timer: unknown): void {
  const candidate = timer as { unref?: () => void } | undefined
  if (typeof candidate?.unref === 'function') candidate.unref()
}
