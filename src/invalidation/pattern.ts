/**
 * Pattern invalidation: SCAN in bounded batches and UNLINK what matched, on every
 * master of a Cluster (the driver's `scan` visits them all). Never `KEYS`.
 *
 * Patterns are relative to the kit's namespace and qualified here, so they can only
 * ever match keys that start with the namespace prefix: the prefix holds no glob
 * metacharacters (`createNamespace` refuses them), so its characters match themselves
 * and nothing in the relative pattern can reach before it. Keys of cachekit's own
 * features are never deleted: neither this kit's (`<prefix>__...`: tag stamps, locks,
 * rate limits, sessions) nor those of a kit nested below it (`<prefix>prod:__lock:...`
 * when this kit is `app:` and the other `app:prod:`), which a `*` would otherwise match.
 */
import { ValidationError } from '../core/errors/index.js'
import type { Driver } from '../drivers/driver.js'
import type { Namespace } from '../keys/namespace.js'
import { hasReservedSegment } from '../keys/reserved.js'

/** Options of `kit.cache.invalidatePattern` and `kit.cache.clear`. */
export interface PatternInvalidationOptions {
  /** Stops the scan between batches; the call then rejects with the signal's reason. */
  signal?: AbortSignal
  /** Called after every batch with the running totals. */
  onProgress?: (progress: PatternProgress) => void
  /**
   * Keys examined per SCAN round trip (the COUNT hint) and at most this many keys per
   * UNLINK. Bounds the work each round trip asks of the server.
   * @default 1000
   */
  batchSize?: number
}

/** Running totals of a pattern invalidation. */
export interface PatternProgress {
  /** The full pattern (namespace applied). */
  readonly pattern: string
  /** Keys SCAN returned so far (a key may be returned twice; cachekit's own keys, which are never deleted, included). */
  readonly scanned: number
  /** Keys deleted so far. */
  readonly deleted: number
  /** Batches processed so far. */
  readonly batches: number
}

/** What a pattern invalidation did. */
export interface PatternInvalidationReport extends PatternProgress {
  readonly durationMs: number
}

/** Defaults of {@link PatternInvalidationOptions}. */
export const PATTERN_DEFAULTS = Object.freeze({ batchSize: 1000, maxBatchSize: 10_000 })

/** What {@link deleteByPattern} needs from the cache. */
export interface PatternTarget {
  driver: Driver
  namespace: Namespace
  /** Called with each batch of deleted keys (full keys), before progress is reported. */
  onDeleted(keys: string[]): void
}

/**
 * Deletes every key of the namespace matching `relativePattern` (Redis glob syntax),
 * batch by batch. Keys written while the scan runs may or may not be deleted.
 *
 * Keys with a segment starting with `__` (cachekit's feature keys, this kit's or a
 * nested kit's) are skipped, whatever the pattern.
 *
 * @throws {ValidationError} for an empty or non-string pattern, a pattern with a segment
 * starting with `__` (reserved for cachekit's own keys), a kit without a namespace
 * prefix (the pattern would reach every key on the server), or a bad `batchSize`.
 */
export async function deleteByPattern(
  target: PatternTarget,
  relativePattern: string,
  options: PatternInvalidationOptions = {},
): Promise<PatternInvalidationReport> {
  const startedAt = Date.now()
  const pattern = qualifyPattern(target.namespace, relativePattern)
  const batchSize = resolveBatchSize(options.batchSize)
  const { signal, onProgress } = options
  signal?.throwIfAborted()
  let scanned = 0
  let deleted = 0
  let batches = 0
  // One batch's UNLINK runs while SCAN reads the next page: at most one delete in flight.
  let deleting: Promise<void> = Promise.resolve()
  let failure: { error: unknown } | undefined
  const remove = async (keys: string[]) => {
    for (let at = 0; at < keys.length; at += batchSize) {
      const chunk = keys.slice(at, at + batchSize)
      deleted += await target.driver.del(chunk)
      target.onDeleted(chunk)
    }
    batches++
    onProgress?.({ pattern, scanned, deleted, batches })
  }
  for await (const batch of target.driver.scan(pattern, { count: batchSize, signal })) {
    scanned += batch.length
    const ours = batch.filter((key) => !isReserved(target.namespace, key))
    await deleting
    if (failure) throw failure.error
    signal?.throwIfAborted()
    // Caught at once (and rethrown above), so a failed delete is never an unhandled rejection.
    deleting = remove(ours).catch((error: unknown) => {
      failure = { error }
    })
  }
  await deleting
  if (failure) throw failure.error
  signal?.throwIfAborted()
  return { pattern, scanned, deleted, batches, durationMs: Date.now() - startedAt }
}

/**
 * The full SCAN pattern for a pattern relative to the namespace.
 *
 * @throws {ValidationError} see {@link deleteByPattern}.
 */
export function qualifyPattern(namespace: Namespace, relativePattern: string): string {
  if (typeof relativePattern !== 'string' || relativePattern.length === 0) throw new ValidationError('pattern must be a non-empty string')
  if (hasReservedSegment(relativePattern)) {
    throw new ValidationError(
      `pattern ${JSON.stringify(relativePattern)}: keys starting with '__' are reserved for cachekit's own features`,
    )
  }
  if (namespace.prefix === '') {
    throw new ValidationError(
      'pattern invalidation needs a kit with a prefix: without one, a pattern would reach every key on the server (createCachekit({ prefix }))',
    )
  }
  return namespace.pattern(relativePattern)
}

function isReserved(namespace: Namespace, fullKey: string): boolean {
  const relative = namespace.strip(fullKey)
  return relative === null || hasReservedSegment(relative)
}

function resolveBatchSize(batchSize: number | undefined): number {
  const value = batchSize ?? PATTERN_DEFAULTS.batchSize
  if (!Number.isSafeInteger(value) || value < 1 || value > PATTERN_DEFAULTS.maxBatchSize) {
    throw new ValidationError(`batchSize must be an integer from 1 to ${PATTERN_DEFAULTS.maxBatchSize}, got ${String(batchSize)}`)
  }
  return value
}
