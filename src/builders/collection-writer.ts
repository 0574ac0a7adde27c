/**
 * Writes sorted-set and set indexes so that a reader never sees one half-built:
 * - a collection of at most `chunkSize` members is replaced in one script call (DEL, then
 *   ZADD/SADD, then PEXPIRE, atomically); small collections of one cluster slot share a call;
 * - a larger one is written in chunks to a temporary key in the same slot, then swapped
 *   in with RENAME by a script that first checks the member count, so a lost chunk
 *   leaves the old index in place instead of publishing a partial one.
 * Calls are pipelined, `concurrency` at a time.
 */
import { BuildError, CircuitOpenError, CommandError, DriverClosedError, DriverError } from '../core/errors/index.js'
import { derivedKey, hashSlot } from '../core/slot.js'
import type { Driver } from '../drivers/driver.js'
import { replaceCollections } from '../scripts/replace-collections.js'
import { swapCollection } from '../scripts/swap-collection.js'
import { runPool } from './pool.js'

/** One collection to write: its full key and members (with scores for sorted sets). */
export interface CollectionDocument {
  readonly key: string
  readonly members: Map<string, number> | Set<string>
}

/** How to write. */
export interface CollectionWriteOptions {
  readonly builder: string
  readonly kind: 'sorted-set' | 'set'
  readonly ttlMs: number
  readonly chunkSize: number
  readonly concurrency: number
  readonly signal: AbortSignal | undefined
  /** Called with how many collections were just written. */
  readonly onWritten: (count: number) => void
}

// A temporary key outlives any sane write of one collection; it only matters if a build dies midway.
const TEMPORARY_TTL_MS = 10 * 60_000
// Keys per replace call: bounds the reply and the script's loop besides the member budget.
const MAX_KEYS_PER_CALL = 256
// A write that timed out or lost its connection is tried again this many times: every
// write here is idempotent (replace, or add the same members), and one slow moment of a
// busy server should not fail a rebuild of thousands of keys.
const RETRIES = 2
const RETRY_DELAY_MS = 50

/** Writes `documents`; resolves once every collection is in place. */
export async function writeCollections(
  driver: Driver,
  documents: readonly CollectionDocument[],
  options: CollectionWriteOptions,
): Promise<void> {
  const small = documents.filter((doc) => doc.members.size <= options.chunkSize)
  const large = documents.filter((doc) => doc.members.size > options.chunkSize)
  const tasks = packSmall(driver, small, options).map((batch) => async () => {
    await retried(() =>
      driver.eval(
        replaceCollections,
        batch.map((doc) => doc.key),
        encodeArgs(options, 'replace', batch),
      ),
    )
    options.onWritten(batch.length)
  })
  await runPool(tasks, options.concurrency, options.signal)
  for (const doc of large) {
    await writeLarge(driver, doc, options)
    options.onWritten(1)
  }
}

/** Groups small collections into calls: one cluster slot per call, bounded members and keys. */
function packSmall(driver: Driver, documents: readonly CollectionDocument[], options: CollectionWriteOptions): CollectionDocument[][] {
  const bySlot = new Map<number, CollectionDocument[]>()
  for (const doc of documents) {
    // Off a cluster every key may share a call; on one, only keys of one slot may.
    const slot = driver.capabilities.cluster ? hashSlot(doc.key) : 0
    const group = bySlot.get(slot)
    if (group) group.push(doc)
    else bySlot.set(slot, [doc])
  }
  const batches: CollectionDocument[][] = []
  for (const group of bySlot.values()) {
    let batch: CollectionDocument[] = []
    let members = 0
    for (const doc of group) {
      if (batch.length > 0 && (members + doc.members.size > options.chunkSize || batch.length >= MAX_KEYS_PER_CALL)) {
        batches.push(batch)
        batch = []
        members = 0
      }
      batch.push(doc)
      members += doc.members.size
    }
    if (batch.length > 0) batches.push(batch)
  }
  return batches
}

async function writeLarge(driver: Driver, doc: CollectionDocument, options: CollectionWriteOptions): Promise<void> {
  const temporary = temporaryKey(driver, doc.key)
  const entries = [...(doc.members instanceof Map ? doc.members.entries() : doc.members.values())]
  const chunks: (typeof entries)[] = []
  for (let at = 0; at < entries.length; at += options.chunkSize) chunks.push(entries.slice(at, at + options.chunkSize))
  const tasks = chunks.map((chunk) => async () => {
    const part: CollectionDocument = {
      key: temporary,
      members: doc.members instanceof Map ? new Map(chunk as [string, number][]) : new Set(chunk as string[]),
    }
    await retried(() => driver.eval(replaceCollections, [temporary], encodeArgs({ ...options, ttlMs: TEMPORARY_TTL_MS }, 'add', [part])))
  })
  try {
    await runPool(tasks, options.concurrency, options.signal)
  } catch (error) {
    await driver.del([temporary]).catch(() => 0)
    throw error
  }
  const swapped = await driver.eval(
    swapCollection,
    [temporary, doc.key],
    [String(options.ttlMs), options.kind === 'sorted-set' ? 'zset' : 'set', String(doc.members.size)],
  )
  if (!swapped) {
    throw new BuildError(
      options.builder,
      `the temporary copy of ${JSON.stringify(doc.key)} was incomplete when it was to be swapped in; the previous index was kept`,
    )
  }
}

/** Runs an idempotent write, again after a timeout or connection failure (not a refused command, a closed driver or an open circuit). */
async function retried<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write()
    } catch (error) {
      const transient =
        error instanceof DriverError &&
        !(error instanceof CommandError || error instanceof DriverClosedError || error instanceof CircuitOpenError)
      if (attempt >= RETRIES || !transient) throw error
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * (attempt + 1)))
    }
  }
}

/**
 * A key in the same cluster slot as `key` for building its next version. A space never
 * appears in keys built by defineKeys, so it cannot collide with an output; with a hash
 * tag (or off a cluster) it stays under the namespace.
 */
function temporaryKey(driver: Driver, key: string): string {
  const suffix = ` build:${globalThis.crypto.randomUUID()}`
  return !driver.capabilities.cluster || hasHashTag(key) ? key + suffix : derivedKey(key, suffix)
}

function hasHashTag(key: string): boolean {
  const open = key.indexOf('{')
  return open !== -1 && key.indexOf('}', open + 1) > open + 1
}

function encodeArgs(
  options: Pick<CollectionWriteOptions, 'kind' | 'ttlMs'>,
  mode: 'replace' | 'add',
  documents: readonly CollectionDocument[],
): string[] {
  const args = [options.kind === 'sorted-set' ? 'zset' : 'set', String(options.ttlMs), mode]
  for (const doc of documents) {
    args.push(String(doc.members.size))
    if (doc.members instanceof Map) for (const [member, score] of doc.members) args.push(String(score), member)
    else for (const member of doc.members) args.push(member)
  }
  return args
}
