/** Order statistics for the reports. */

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** The `q` quantile (0..1) of `samples`, nearest rank. Sorts `samples` in place. */
export function quantile(samples: Float64Array, q: number): number {
  if (samples.length === 0) return Number.NaN
  samples.sort()
  const rank = Math.min(samples.length - 1, Math.max(0, Math.ceil(q * samples.length) - 1))
  return samples[rank] as number
}

/** A growable list of latency samples (ms) without per-sample allocation. */
export class Samples {
  private data = new Float64Array(1 << 14)
  length = 0

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2)
      grown.set(this.data)
      this.data = grown
    }
    this.data[this.length++] = value
  }

  /** A copy of the samples taken so far. */
  view(): Float64Array {
    return this.data.slice(0, this.length)
  }
}
