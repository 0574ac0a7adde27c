/**
 * The video platform of the reference plan on the in-memory driver:
 * `npm run example:video-platform`. Pass `ioredisDriver({ url })` to `videoPlatform` and
 * every line behaves the same on Redis or a Redis Cluster, across processes.
 */
import { CachekitError } from 'cachekit'
import { keys, videoPlatform } from './cache.js'
import { FakeDb } from './db.js'

const db = new FakeDb(2_000, 20)
const kit = videoPlatform(db)
await kit.ready()
show('warm', `categories pre-loaded at start: ${(await kit.cache.get(keys.category({ id: 'cat-3' })))?.name}`)

// Full rebuilds: grouped in memory, written in pipelined chunks, each index swapped in whole.
const index = await kit.builders.videosByCategory.buildAll()
const lookups = await kit.builders.categoriesOfVideo.buildAll()
show('rebuild', `${index.keys} category indexes (${index.items} members), ${lookups.keys} lookups`)

// Reads: a page, a count, a lookup.
const newest = await kit.builders.videosByCategory.page({ categoryId: 'cat-3' }, { limit: 3, order: 'desc' })
show('page', `newest in cat-3: ${newest.join(', ')}`)
show('count', `cat-3 holds ${await kit.builders.videosByCategory.count({ categoryId: 'cat-3' })} videos`)
show('lookup', `v42 is in ${(await kit.builders.categoriesOfVideo.members({ videoId: 'v42' })).sort().join(', ')}`)

// Cache-aside for the detail page, and a list page.
db.queries = 0
const loadVideo = async () => (await db.video('v42')) ?? null
await kit.cache.getOrSet(keys.videoDetail({ id: 'v42' }), loadVideo)
await kit.cache.getOrSet(keys.videoDetail({ id: 'v42' }), loadVideo)
for (const sort of ['new', 'top']) {
  for (let page = 1; page <= 3; page++) await kit.cache.set(keys.videoList({ page, sort }), newest)
}
show('cached', `two reads of v42, ${db.queries} query`)

// The admin moves v42 to cat-5: one call invalidates everything that depended on it.
const oldCategoryIds = await db.setVideoCategories('v42', ['cat-5'])
const report = await kit.invalidate('video.changed', { videoId: 'v42', oldCategoryIds, newCategoryIds: ['cat-5'] })
show('cascade', `deleted ${report.keys.deleted} key, tag ${report.tags?.tags.join(', ')}, ${report.patterns[0]?.deleted} list pages, rebuilt ${report.rebuilt.length} outputs`)
show('moved', `v42 in cat-5: ${await kit.builders.videosByCategory.has({ categoryId: 'cat-5' }, 'v42')}, in ${oldCategoryIds.join(', ')}: ${await kit.builders.videosByCategory.has({ categoryId: oldCategoryIds[0] as string }, 'v42')}`)

// Tags: one small write per tag, however many entries carry it.
await kit.cache.invalidateTags(['category:cat-7'])
show('tags', `cat-7 after invalidateTags: ${await kit.cache.get(keys.category({ id: 'cat-7' }))}, cat-8: ${(await kit.cache.get(keys.category({ id: 'cat-8' })))?.name}`)

// Opt in to serving invalidated entries as stale: fine for list pages, never for a video's rights.
await kit.cache.set(keys.videoList({ page: 1, sort: 'new' }), ['v1'])
await kit.cache.invalidateTags(['video-lists'], { mode: 'expire' })
const served = await kit.cache.getOrSet(keys.videoList({ page: 1, sort: 'new' }), async () => ['v2'])
await kit.cache.invalidateTags(['video-lists'])
const reloaded = await kit.cache.getOrSet(keys.videoList({ page: 1, sort: 'new' }), async () => ['v3'])
show('expire', `after mode 'expire': ${served} (stale, refreshing); after a plain invalidation: ${reloaded}`)

// Patterns come from the key builders, so user input is escaped and cannot widen them.
for (let page = 1; page <= 3; page++) await kit.cache.set(keys.videoList({ page, sort: 'top' }), newest)
const hostile = await kit.cache.invalidatePattern(keys.videoList.pattern({ sort: '*' }))
const top = await kit.cache.invalidatePattern(keys.videoList.pattern({ sort: 'top' }), { batchSize: 100 })
show('pattern', `sort='*' deleted ${hostile.deleted}, sort='top' deleted ${top.deleted}`)

try {
  await kit.cache.invalidatePattern('__tag:*')
} catch (error) {
  if (!CachekitError.is(error, 'VALIDATION_ERROR')) throw error
  show('refused', error.message)
}
await kit.close()

function show(label: string, text: string): void {
  console.log(`${label.padEnd(8)} ${text}`)
}
