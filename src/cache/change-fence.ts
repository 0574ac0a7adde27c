/**
 * Orders reads against changes of the keys they read. A read takes a ticket when it
 * starts; a change of a key (this process's write or delete, another instance's write
 * announced on the bus) or of everything (`clear()`, a gap in the bus subscription) moves
 * the fence past every ticket taken before it. What a read brings back may fill the L1
 * tier, or be stored by a load, only if no change of its key landed since its ticket:
 * otherwise a reply that was on the wire while the key changed would outlive the change.
 */
export class ChangeFence {
  private sequence = 0
  /** Tickets below this one are refused for every key (a change of everything, or forgotten keys). */
  private floor = 0
  /** The latest change of each recently changed key, oldest first. */
  private readonly changed = new Map<string, number>()

  /** @param maxKeys how many changed keys are remembered; past it the oldest is forgotten and the floor rises to it. */
  constructor(private readonly maxKeys: number) {}

  /** A ticket for a read that starts now. */
  ticket(): number {
    return this.sequence
  }

  /** `key` changed: reads that started before now may not fill L1 with it. */
  change(key: string): void {
    const at = ++this.sequence
    this.changed.delete(key)
    this.changed.set(key, at)
    if (this.changed.size > this.maxKeys) {
      const [oldestKey, oldestAt] = this.changed.entries().next().value as [string, number]
      this.changed.delete(oldestKey)
      // Forgetting a change must never admit a read it refused: refuse every read as old instead.
      if (oldestAt > this.floor) this.floor = oldestAt
    }
  }

  /** Anything may have changed: every read that started before now is refused. */
  changeAll(): void {
    this.floor = ++this.sequence
    this.changed.clear()
  }

  /** True when a read of `key` that took `ticket` started after the key's last known change. */
  admits(key: string, ticket: number): boolean {
    if (ticket < this.floor) return false
    const at = this.changed.get(key)
    return at === undefined || at <= ticket
  }
}
