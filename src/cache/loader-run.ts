/**
 * Running a loader: its signal and hard timeout, the `load`/`load-error` reports, and
 * storing what it returns (or releasing the key's lease when nothing is stored).
 */
import { parseDuration } from '../core/duration.js'
import { LoaderTimeoutError } from '../core/errors/index.js'
import type { Coherence } from './coherence.js'
import type { EntryWriter } from './entry-writer.js'
import type { CacheReporter } from './reporter.js'
import type { Resolved } from './resolve-key.js'
import type { GetOrSetOptions, Loader } from './types.js'

export class LoaderRun {
  constructor(
    private readonly writer: EntryWriter,
    private readonly coherence: Coherence,
    private readonly reporter: CacheReporter,
    /** Gives a lease back, token-guarded, and keeps trying while the driver refuses. */
    private readonly giveBack: (fullKey: string, token: string) => void,
  ) {}

  /** Runs the loader and stores the result. With `leaseToken`, the write replaces the lease marker. */
  async loadAndStore<Value>(
    resolved: Resolved,
    loader: Loader<Value>,
    options: GetOrSetOptions<Value>,
    stale: Value | undefined,
    leaseToken?: string,
  ): Promise<Value> {
    // The value is as old as the moment the loader started: a tag invalidation that lands
    // while it runs must still reach it (its createdAt is checked against tag stamps).
    const startedAt = Date.now()
    const ticket = this.coherence.fence.ticket()
    let value: Value
    try {
      value = await this.run(resolved, loader, options, stale)
    } catch (error) {
      if (leaseToken) this.releaseLease(resolved, leaseToken)
      throw error
    }
    const nullish = value === null || value === undefined
    if (nullish && !options.cacheNullish) {
      if (leaseToken) this.releaseLease(resolved, leaseToken)
      return value
    }
    const storeOptions = nullish && options.cacheNullish ? { ...options, ttl: options.cacheNullish.ttl, grace: 0 } : options
    const stored = await this.writer.store(resolved, value, storeOptions, startedAt, { ticket, leaseToken }).catch((error: unknown) => {
      if (leaseToken) this.releaseLease(resolved, leaseToken)
      throw error
    })
    // A skipped or failed write leaves the lease marker behind: free the key for others.
    if (!stored && leaseToken) this.releaseLease(resolved, leaseToken)
    return value
  }

  /** Runs the loader alone (nothing stored), reporting how it went. */
  async run<Value>(resolved: Resolved, loader: Loader<Value>, options: GetOrSetOptions<Value>, stale: Value | undefined): Promise<Value> {
    const controller = new AbortController()
    const started = Date.now()
    const hardMs = options.hardTimeout === undefined ? undefined : parseDuration(options.hardTimeout, 'hardTimeout')
    try {
      const running = Promise.resolve().then(() => loader({ key: resolved.full, stale, signal: controller.signal }))
      const value = hardMs === undefined ? await running : await withHardTimeout(running, hardMs, controller, resolved.full)
      this.reporter.loaded(resolved, Date.now() - started)
      return value
    } catch (error) {
      // A refresh's failure is reported by the refresh (the stale value is served).
      if (stale === undefined) this.reporter.loadFailed(resolved, error, false)
      throw error
    }
  }

  /** Frees the key if it still holds this load's lease marker; kept and sent again while the driver refuses. */
  releaseLease(resolved: Resolved, token: string): void {
    this.giveBack(resolved.full, token)
  }
}

/** `promise`'s value, or `{ done: false }` once `ms` passed first. */
export async function raceTimeout<T>(promise: Promise<T>, ms: number | undefined): Promise<{ done: true; value: T } | { done: false }> {
  if (ms === undefined) return { done: true, value: await promise }
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms)
  })
  try {
    return await Promise.race([promise.then((value) => ({ done: true as const, value })), timeout])
  } finally {
    clearTimeout(timer)
  }
}

function withHardTimeout<T>(promise: Promise<T>, ms: number, controller: AbortController, key: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new LoaderTimeoutError(key, ms)
      controller.abort(error)
      reject(error)
    }, ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
