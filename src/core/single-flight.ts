/** Shares one in-flight promise per key between concurrent callers in this process. */
export class SingleFlight {
  private readonly inflight = new Map<string, Promise<unknown>>()

  /** The pending work for `key`, if any. */
  pending<T>(key: string): Promise<T> | undefined {
    return this.inflight.get(key) as Promise<T> | undefined
  }

  /** Runs `work` unless the same key is already running; every caller gets the same outcome. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.inflight.get(key)
    if (existing) return existing as Promise<T>
    const promise = work().finally(() => {
      if (this.inflight.get(key) === promise) this.inflight.delete(key)
    })
    this.inflight.set(key, promise)
    return promise
  }

  /** Later callers of `key` start new work; callers already waiting keep theirs. */
  forget(key: string): void {
    this.inflight.delete(key)
  }

  /** As {@link forget}, for every key. */
  forgetAll(): void {
    this.inflight.clear()
  }
}
