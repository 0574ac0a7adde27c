/**
 * Write-behind flush: hands a family's pending deltas to a handler in bounded batches,
 * at least once. Under the family's flush lock (one flusher at a time):
 * 1. batches left listed by a flusher that died are recovered first, under their
 *    original batch id, with `recovered: true`;
 * 2. then fresh batches are taken (counter-take: deltas move atomically from a shard's
 *    pending set into a batch listed in the shard's index), handed to the handler, and
 *    committed (counter-commit) when it resolves, or merged back into pending
 *    (counter-restore) when it throws.
 * A batch is never lost: it is listed from the moment it is taken until it is committed
 * or restored. It can be applied twice (the flusher died after applying it, or lost its
 * lock while a new flusher recovered it): then both calls carry the same batch id.
 */
import type { GiveBacks } from '../core/give-backs.js'
import type { Driver } from '../drivers/driver.js'
import { acquireLease } from '../lock/acquire-lease.js'
import type { Lock } from '../lock/lock.js'
import { lockLease } from '../lock/lock-lease.js'
import { LOCK_DEFAULTS, resolveAcquireOptions } from '../lock/options.js'
import { runHolding } from '../lock/run-holding.js'
import { counterCommit } from '../scripts/counter-commit.js'
import { counterRestore } from '../scripts/counter-restore.js'
import { counterTake } from '../scripts/counter-take.js'
import type { FamilyKeys } from './counter-keys.js'
import type { FlushResult, ResolvedFlushOptions } from './options.js'

/** One counter's change since the last flush. */
export interface CounterDelta {
  /** The counter's id in its family, as it was given to `incr` (as a string). */
  readonly id: string
  /** How much it changed (the sum of the increments and decrements). Never 0. */
  readonly delta: number
}

/** What a flush handler receives. */
export interface CounterBatch {
  /**
   * Unique per batch, and the same when a batch is handed over again after a flusher
   * died: record it with the applied deltas (in the same transaction) and skip a batch
   * id you have seen, and applying becomes exactly-once.
   */
  readonly id: string
  /** The family name. */
  readonly family: string
  /** The deltas, at most `batchSize`, each counter at most once. */
  readonly deltas: readonly CounterDelta[]
  /** True when the batch was taken by a flusher that did not finish it (it may have applied it). */
  readonly recovered: boolean
  /** Aborts if the flush lock is lost (another flusher may then take over). */
  readonly signal: AbortSignal
  /** The flush lock's fencing token: larger for every later flush of the family. */
  readonly fencingToken: number
}

/**
 * Applies a batch to your database. Resolve when it is applied; throw to have its deltas
 * merged back into pending (so a throw must mean nothing was applied: use a transaction).
 */
export type FlushHandler = (batch: CounterBatch) => Promise<void> | void

/** How many listed batches per shard one flush looks at for recovery. */
const MAX_ORPHANS_PER_SHARD = 100

/** Flushes one family (see the module comment). Rejects with `LockNotAcquiredError` when another process is flushing it. */
export async function flushFamily(
  driver: Driver,
  giveBacks: GiveBacks,
  keys: FamilyKeys,
  handler: FlushHandler,
  options: ResolvedFlushOptions,
): Promise<FlushResult> {
  const lease = lockLease(driver, giveBacks, `${keys.family} (counter flush)`, keys.flushLock())
  const lock = await acquireLease(lease, resolveAcquireOptions({ ttl: options.lockTtlMs, wait: options.waitMs }))
  return runHolding(
    lock,
    (held) => new Flush(driver, keys, handler, options, held).run(),
    Math.max(1, Math.floor(lock.ttlMs / LOCK_DEFAULTS.extendDivisor)),
  )
}

class Flush {
  private batches = 0
  private counters = 0
  private recovered = 0

  constructor(
    private readonly driver: Driver,
    private readonly keys: FamilyKeys,
    private readonly handler: FlushHandler,
    private readonly options: ResolvedFlushOptions,
    private readonly lock: Lock,
  ) {}

  async run(): Promise<FlushResult> {
    await this.recoverOrphans()
    let shard = Math.floor(Math.random() * this.keys.shards)
    while (this.batches < this.options.maxBatches) {
      const taken = await this.take(shard)
      if (taken.deltas.length === 0) break
      await this.apply(taken.batchId, taken.shards, taken.deltas, false)
      // The shard that filled the batch may hold more: start the next batch there.
      shard = taken.shards[taken.shards.length - 1] as number
    }
    return { batches: this.batches, counters: this.counters, recovered: this.recovered }
  }

  /** While we hold the lock, no other flusher runs: every listed batch is an orphan. */
  private async recoverOrphans(): Promise<void> {
    const orphans = new Map<string, number[]>()
    for (let shard = 0; shard < this.keys.shards; shard++) {
      for (const batchId of await this.driver.zrange(this.keys.batches(shard), 0, MAX_ORPHANS_PER_SHARD - 1)) {
        orphans.set(batchId, [...(orphans.get(batchId) ?? []), shard])
      }
    }
    for (const [batchId, shards] of orphans) {
      if (this.batches >= this.options.maxBatches) return
      this.lock.signal.throwIfAborted()
      const deltas: CounterDelta[] = []
      for (const shard of shards) {
        for (const { member, score } of await this.driver.zrangeWithScores(this.keys.batch(shard, batchId), 0, -1))
          deltas.push({ id: member, delta: score })
      }
      if (deltas.length === 0) await this.commit(batchId, shards)
      else await this.apply(batchId, shards, deltas, true)
    }
  }

  /** Takes up to batchSize deltas, visiting shards from `first` on, under one new batch id. */
  private async take(first: number): Promise<{ batchId: string; shards: number[]; deltas: CounterDelta[] }> {
    const batchId = globalThis.crypto.randomUUID()
    const shards: number[] = []
    const deltas: CounterDelta[] = []
    for (let visited = 0; visited < this.keys.shards && deltas.length < this.options.batchSize; visited++) {
      this.lock.signal.throwIfAborted()
      const shard = (first + visited) % this.keys.shards
      const keys = [this.keys.pending(shard), this.keys.batches(shard), this.keys.batch(shard, batchId)]
      const taken = await this.driver.eval(counterTake, keys, [batchId, String(this.options.batchSize - deltas.length), String(Date.now())])
      if (taken.length === 0) continue
      shards.push(shard)
      deltas.push(...taken)
    }
    return { batchId, shards, deltas }
  }

  private async apply(batchId: string, shards: number[], deltas: CounterDelta[], recovered: boolean): Promise<void> {
    const batch: CounterBatch = {
      id: batchId,
      family: this.keys.family,
      deltas,
      recovered,
      signal: this.lock.signal,
      fencingToken: this.lock.fencingToken,
    }
    try {
      await this.handler(batch)
    } catch (error) {
      // A failed restore leaves the batch listed: the next flush recovers it instead.
      await Promise.all(
        shards.map((shard) =>
          this.driver
            .eval(counterRestore, [this.keys.pending(shard), this.keys.batches(shard), this.keys.batch(shard, batchId)], [batchId])
            .catch(() => 0),
        ),
      )
      throw error
    }
    await this.commit(batchId, shards)
    this.batches++
    this.counters += deltas.length
    if (recovered) this.recovered++
  }

  private async commit(batchId: string, shards: number[]): Promise<void> {
    await Promise.all(
      shards.map((shard) => this.driver.eval(counterCommit, [this.keys.batches(shard), this.keys.batch(shard, batchId)], [batchId])),
    )
  }
}
