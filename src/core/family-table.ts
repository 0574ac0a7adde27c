/**
 * A table of rows keyed by key family, with a bound. Families come from input: a plain
 * string key's first segment (`kit.cache.get(searchQuery)` makes one family per query),
 * so every per-family table (cache stats, guard counts, metric labels, key distribution)
 * keeps at most `maxFamilies` rows plus one `(other)` row, and names are cut to
 * `maxNameLength` characters.
 *
 * Which families keep a row: the busiest. When the table is full, a new family takes
 * the place of the least active row (the oldest among equals), whose counts are folded
 * into `(other)`, so totals never change. Activity is every count; it is halved for
 * every row each `maxFamilies` evictions, so a family that was busy once and is idle
 * now gives way in time, while one-off families (a burst of distinct keys) only ever
 * displace each other: a family keeps its row while it is counted more often, on
 * average, than a one-off family is. A row counts from when its family was last
 * admitted; what it counted before is in `(other)`.
 */
import { ValidationError } from './errors/index.js'

/** The row that families past the bound are counted in. Reserved: a family really named `(other)` is counted there too. */
export const OTHER_FAMILY = '(other)'

/** Defaults of every family table. */
export const FAMILY_TABLE_DEFAULTS = Object.freeze({
  /** Rows besides `(other)`. Each family is about 13 Prometheus series. */
  maxFamilies: 100,
  /** Longer family names are cut (a plain key without ':' is its own family name). */
  maxNameLength: 120,
})

/** Options of {@link FamilyTable}. */
export interface FamilyTableOptions<Row> {
  /** A new, empty row for `family` (also for `(other)`). */
  create(family: string): Row
  /** Folds the row of an evicted family into the `(other)` row. */
  merge(other: Row, evicted: Row, family: string): void
  /**
   * Rows besides `(other)`.
   * @default 100
   */
  maxFamilies?: number
}

interface Slot<Row> {
  readonly row: Row
  /** Activity: `row()` calls, halved every `maxFamilies` evictions. */
  weight: number
}

export class FamilyTable<Row> {
  readonly maxFamilies: number
  private readonly slots = new Map<string, Slot<Row>>()
  private other: Row | undefined
  private evictions = 0

  constructor(private readonly options: FamilyTableOptions<Row>) {
    const max = options.maxFamilies ?? FAMILY_TABLE_DEFAULTS.maxFamilies
    if (!Number.isSafeInteger(max) || max < 1) throw new ValidationError(`maxFamilies must be a positive integer, got ${String(max)}`)
    this.maxFamilies = max
  }

  /** The row to count `family` in (its own, or `(other)`), counting one activity. The hot path: one Map lookup. */
  row(family: string): Row {
    const slot = this.slots.get(family)
    if (slot !== undefined) {
      slot.weight++
      return slot.row
    }
    return this.admit(family)
  }

  /** Every row, the tracked families in admission order, then `(other)` if anything went there. */
  entries(): Array<[string, Row]> {
    const result: Array<[string, Row]> = []
    for (const [name, slot] of this.slots) result.push([name, slot.row])
    if (this.other !== undefined) result.push([OTHER_FAMILY, this.other])
    return result
  }

  clear(): void {
    this.slots.clear()
    this.other = undefined
  }

  private admit(family: string): Row {
    const name = familyName(family)
    if (name === OTHER_FAMILY) return this.otherRow()
    if (name !== family) {
      const slot = this.slots.get(name)
      if (slot !== undefined) {
        slot.weight++
        return slot.row
      }
    }
    if (this.slots.size >= this.maxFamilies) this.evictLeastActive()
    const row = this.options.create(name)
    this.slots.set(name, { row, weight: 1 })
    return row
  }

  /** Folds the least active row (the oldest among equals: Map order is admission order) into `(other)`. */
  private evictLeastActive(): void {
    let victim: [string, Slot<Row>] | undefined
    for (const entry of this.slots) if (victim === undefined || entry[1].weight < victim[1].weight) victim = entry
    if (victim === undefined) return
    const [name, slot] = victim
    this.slots.delete(name)
    this.options.merge(this.otherRow(), slot.row, name)
    // Aging, amortised O(1) per eviction: past activity counts less and less.
    if (++this.evictions % this.maxFamilies === 0) for (const entry of this.slots.values()) entry.weight = Math.floor(entry.weight / 2)
  }

  private otherRow(): Row {
    this.other ??= this.options.create(OTHER_FAMILY)
    return this.other
  }
}

/** `family`, cut to the length bound without splitting a surrogate pair. */
export function familyName(family: string): string {
  const max = FAMILY_TABLE_DEFAULTS.maxNameLength
  if (family.length <= max) return family
  let end = max - 1
  const code = family.charCodeAt(end - 1)
  if (code >= 0xd800 && code <= 0xdbff) end--
  return `${family.slice(0, end)}…`
}
