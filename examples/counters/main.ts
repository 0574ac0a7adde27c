/**
 * Counters, write-behind flushes, leaderboards and trending on the in-memory driver:
 * `npm run example:counters`. Swap in `ioredisDriver({ url })` or
 * `upstashDriver({ url, token })` and the counts are shared by all your processes. Every
 * snippet in docs/counters.md is copied from this file, which CI runs.
 */
import { createCachekit, type CounterBatch } from 'cachekit'

const kit = createCachekit({ prefix: 'app' })

// A plain counter; the TTL is set on the first write, in the same round trip.
await kit.counters.incr('signups:2024-06-01', 1, { ttl: '7d' })
await kit.counters.incr('signups:2024-06-01', 1, { ttl: '7d' })
show('plain', `signups today: ${await kit.counters.get('signups:2024-06-01')}`)

// A family: one counter per id. Ids are escaped into the key, so any text is safe.
const unread = kit.counters.family('notifications:unread', { ttl: '30d' })
await unread.incr('user-1', 3)
await unread.incr('user-2')
await unread.decr('user-1')
show('family', `unread: ${(await unread.getMany(['user-1', 'user-2', 'user-3'])).join(', ')}`)
await unread.reset('user-1')

/**
 * A stand-in for the database the counts are persisted to. `transaction` runs all or
 * nothing; applied batch ids are stored with the counts, which is what makes applying a
 * batch idempotent.
 */
class VideoDatabase {
  readonly views = new Map<string, number>()
  readonly appliedBatches = new Set<string>()
  failNextTransaction = false

  async transaction(work: (tx: VideoDatabase) => Promise<void>): Promise<void> {
    if (this.failNextTransaction) {
      this.failNextTransaction = false
      throw new Error('database unavailable')
    }
    await work(this)
  }

  async hasBatch(id: string): Promise<boolean> {
    return this.appliedBatches.has(id)
  }

  async incrementViews(videoId: string, delta: number): Promise<void> {
    this.views.set(videoId, (this.views.get(videoId) ?? 0) + delta)
  }

  async recordBatch(id: string): Promise<void> {
    this.appliedBatches.add(id)
  }
}
const db = new VideoDatabase()

// Write-behind: count in Redis on every view, persist the deltas in batches.
const views = kit.counters.family('video:views', { writeBehind: true })
for (const videoId of ['v1', 'v2', 'v1', 'v3', 'v1']) await views.incr(videoId)

async function applyViews(batch: CounterBatch): Promise<void> {
  await db.transaction(async (tx) => {
    if (await tx.hasBatch(batch.id)) return // delivered again after a crash: already applied
    for (const { id, delta } of batch.deltas) await tx.incrementViews(id, delta)
    await tx.recordBatch(batch.id)
  })
}

const flushed = await views.flush(applyViews)
show('flush', `${flushed.batches} batch, ${flushed.counters} counters; db views: ${format(db.views)}`)

// If the handler throws, the batch's deltas go back to pending, merged with new ones.
await views.incr('v2', 5)
db.failNextTransaction = true
try {
  await views.flush(applyViews)
} catch (error) {
  show('failed', `${(error as Error).message}; nothing lost, next flush retries`)
}
await views.flush(applyViews)
show('retried', `db views: ${format(db.views)}, live count of v2: ${await views.get('v2')}`)

// Every instance may schedule the flush; the family's flush lock picks one per round.
const schedule = views.scheduleFlush(applyViews, { every: '5m' })

// Leaderboards: one sorted set, highest first.
const likes = kit.counters.leaderboard('videos:likes')
await likes.incrScore('v1', 10)
await likes.incrScore('v2', 25)
await likes.incrScore('v3', 7)
await likes.incrScore('v1', 20)
const podium = await likes.top(3)
show('top', podium.map(({ rank, member, score }) => `${rank}. ${member} (${score})`).join(', '))
show('rank', `v3 is #${await likes.rank('v3')}`)

// Trending: scores fade by half every half-life, so recent activity wins.
const trending = kit.counters.trending('videos', { halfLife: '1h' })
await trending.incr('v3', 40)
await trending.incr('v1', 12)
const hot = await trending.top(2)
show('trending', hot.map(({ member, score }) => `${member} ~${Math.round(score)}`).join(', '))

await schedule.stop()
await kit.close()

function format(counts: Map<string, number>): string {
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([id, count]) => `${id}=${count}`).join(' ')
}

function show(step: string, text: string): void {
  console.log(`${step.padEnd(9)}${text}`)
}
