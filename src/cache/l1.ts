/**
 * The in-process tier: decoded entries in front of the driver, bounded by entries and
 * bytes. Eviction is CLOCK (second chance), so a hit only flips a flag: no Map
 * reordering and no allocation on the hot path.
 */

/** An entry as the L1 tier holds it: the decoded value plus its clock. */
export interface L1Entry {
  readonly value: unknown
  /** Logical expiry (epoch ms): fresh before it. */
  readonly expiresAt: number
  /** End of grace (epoch ms): servable as stale before it. Equals `expiresAt` without grace. */
  readonly staleUntil: number
  /** When this process may no longer trust the entry without asking the driver (epoch ms). */
  readonly l1Until: number
  /** When the value was produced (epoch ms), for tag checks. */
  readonly createdAt: number
  /** Tags of the entry, for tag invalidation. */
  readonly tags: readonly string[]
  /** Approximate size, from the encoded form. */
  readonly bytes: number
  /** Set on every hit; cleared when the clock hand passes (second chance). */
  referenced: boolean
}

/** Bounds of the L1 tier. */
export interface L1Options {
  /** At most this many entries. */
  maxEntries: number
  /** At most this many bytes (estimated from the encoded size). */
  maxBytes: number
}

export class L1Cache {
  private readonly entries = new Map<string, L1Entry>()
  private bytes = 0

  constructor(private readonly options: L1Options) {}

  /** The entry for `key` if this process may still serve it, marking it recently used. */
  get(key: string, now: number): L1Entry | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.l1Until <= now || entry.staleUntil <= now) {
      this.delete(key)
      return undefined
    }
    entry.referenced = true
    return entry
  }

  /** The entry held for `key`, expired or not, without marking it used. */
  peek(key: string): L1Entry | undefined {
    return this.entries.get(key)
  }

  set(key: string, entry: L1Entry): void {
    if (entry.bytes > this.options.maxBytes) {
      this.delete(key)
      return
    }
    const previous = this.entries.get(key)
    if (previous) {
      this.bytes -= previous.bytes
      this.entries.delete(key)
    }
    this.entries.set(key, entry)
    this.bytes += entry.bytes
    this.evict()
  }

  delete(key: string): boolean {
    const entry = this.entries.get(key)
    if (!entry) return false
    this.entries.delete(key)
    this.bytes -= entry.bytes
    return true
  }

  /** Drops every entry whose key satisfies `predicate` (used by invalidation). Returns how many. */
  deleteWhere(predicate: (key: string, entry: L1Entry) => boolean): number {
    let removed = 0
    for (const [key, entry] of this.entries) {
      if (predicate(key, entry)) {
        this.delete(key)
        removed++
      }
    }
    return removed
  }

  clear(): void {
    this.entries.clear()
    this.bytes = 0
  }

  private evict(): void {
    const { maxEntries, maxBytes } = this.options
    // Each referenced entry gets one second chance: at most 2 passes over the map.
    let budget = this.entries.size * 2
    while ((this.entries.size > maxEntries || this.bytes > maxBytes) && budget-- > 0) {
      const oldest = this.entries.entries().next()
      if (oldest.done) return
      const [key, entry] = oldest.value
      this.entries.delete(key)
      if (entry.referenced) {
        entry.referenced = false
        this.entries.set(key, entry)
      } else {
        this.bytes -= entry.bytes
      }
    }
    // Everything was referenced twice over: fall back to plain FIFO.
    while (this.entries.size > maxEntries || this.bytes > maxBytes) {
      const oldest = this.entries.keys().next()
      if (oldest.done) return
      this.delete(oldest.value)
    }
  }
}
