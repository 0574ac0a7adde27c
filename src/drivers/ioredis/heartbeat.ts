/**
 * Proves, end to end, that the subscriber connection still delivers: a beat published
 * on a channel only this driver listens to must come back within `timeoutMs`. A dropped
 * connection is seen at once from its events; the beat catches what events cannot, a
 * connection that stays open but carries nothing (a hung network, a stopped server, a
 * Cluster subscriber on a dead node).
 */

/** Settings of the heartbeat. */
export interface HeartbeatOptions {
  /** How often a beat is sent, in ms. */
  readonly intervalMs: number
  /** How long a beat may take to come back before delivery counts as interrupted, in ms. */
  readonly timeoutMs: number
}

/** What the heartbeat drives. */
export interface HeartbeatHooks {
  /** Publishes one beat; failures count as a beat that never comes back. */
  send(beat: string): void
  /** A beat did not come back in time. */
  lost(): void
  /** A beat came back. */
  alive(): void
}

export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | undefined
  private sequence = 0
  private outstanding: { beat: string; sentAt: number } | undefined
  private lastTickAt = 0

  constructor(
    private readonly options: HeartbeatOptions,
    private readonly hooks: HeartbeatHooks,
  ) {}

  /** Starts beating (idempotent). The timer never keeps the process alive. */
  start(): void {
    if (this.timer !== undefined) return
    this.lastTickAt = Date.now()
    this.timer = setInterval(() => this.tick(), this.options.intervalMs)
    ;(this.timer as { unref?: () => void }).unref?.()
    this.beat(this.lastTickAt)
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    this.outstanding = undefined
  }

  /** Sends a beat now (after a reconnect), unless one is already on its way. */
  nudge(): void {
    if (this.timer !== undefined && this.outstanding === undefined) this.beat(Date.now())
  }

  /** A message arrived on the heartbeat channel. */
  received(beat: string): void {
    if (this.outstanding?.beat !== beat) return
    this.outstanding = undefined
    this.hooks.alive()
  }

  private tick(): void {
    const now = Date.now()
    // A tick this late means the event loop was blocked: the beat may be sitting unread
    // in the socket. Judge nothing this round; give the beat a fresh timeout.
    const stalled = now - this.lastTickAt > this.options.intervalMs * 2
    this.lastTickAt = now
    const outstanding = this.outstanding
    if (outstanding !== undefined && stalled) outstanding.sentAt = now
    else if (outstanding !== undefined && now - outstanding.sentAt > this.options.timeoutMs) {
      this.hooks.lost()
      this.beat(now)
    } else if (outstanding === undefined) this.beat(now)
  }

  private beat(now: number): void {
    const beat = String(++this.sequence)
    this.outstanding = { beat, sentAt: now }
    this.hooks.send(beat)
  }
}
