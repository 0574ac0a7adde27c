/**
 * The local block cache: identifiers this process has seen denied, remembered until they
 * may retry, so a flood from one identifier costs no round trips. Bounded: beyond
 * `maxEntries` the oldest entry goes first. Times are this process's clock plus the
 * relative wait the server answered, so clock skew between hosts does not matter.
 */

/** A remembered denial. */
export interface CachedDenial {
  /** Epoch ms (this process's clock) until which any request is denied. */
  readonly untilMs: number
  /** The denial's `resetAt`. */
  readonly resetAt: number
  /** Denied by a `blockFor` penalty. */
  readonly blocked: boolean
}

/** A bounded map of denied identifiers. */
export class BlockCache {
  private readonly entries = new Map<string, CachedDenial>()

  constructor(private readonly maxEntries: number) {}

  /** The denial in force for `identifier` at `nowMs`, if any. */
  get(identifier: string, nowMs: number): CachedDenial | undefined {
    const entry = this.entries.get(identifier)
    if (entry === undefined) return undefined
    if (entry.untilMs > nowMs) return entry
    this.entries.delete(identifier)
    return undefined
  }

  /** Remembers a denial, evicting the oldest entry when full. */
  set(identifier: string, denial: CachedDenial): void {
    this.entries.delete(identifier)
    this.entries.set(identifier, denial)
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string)
  }

  /** Forgets one identifier (after `reset`). */
  delete(identifier: string): void {
    this.entries.delete(identifier)
  }

  /** Identifiers remembered, expired ones included until they are read. */
  get size(): number {
    return this.entries.size
  }
}
