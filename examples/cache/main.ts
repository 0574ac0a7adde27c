/**
 * The cache's options, one behaviour each, on the in-memory driver: `npm run example:cache`.
 * Every snippet in docs/cache.md is copied from this file, which CI runs.
 */
import { createCachekit, defineKeys, LoaderTimeoutError, typed } from 'cachekit'

interface Product {
  sku: string
  price: number
}

const keys = defineKeys({
  product: { template: 'product:{sku}', ttl: '10m', grace: '1h', value: typed<Product>(), tags: ['catalog'] },
  search: { template: 'search:{query}', ttl: '30s' },
})

const kit = createCachekit({
  prefix: 'shop',
  keys,
  l1: { maxEntries: 10_000 },
  defaultTtl: '1m',
})
await kit.ready()

// Events: count what the cache does, for logs and metrics.
const seen: string[] = []
kit.events.on('miss', ({ family }) => seen.push(`miss:${family}`))
kit.events.on('hit', ({ family, tier }) => seen.push(`hit:${family}:${tier}`))
kit.events.on('degraded', ({ operation, error }) => console.error(`cache degraded during ${operation}`, error))

const loadProduct = async (sku: string): Promise<Product> => ({ sku, price: 1999 })

// getOrSet: the loader runs on a miss; the second read is served by the in-process L1 tier.
await kit.cache.getOrSet(keys.product({ sku: 'A-1' }), () => loadProduct('A-1'))
await kit.cache.getOrSet(keys.product({ sku: 'A-1' }), () => loadProduct('A-1'))
show('events', seen.join(', '))

// Plain string keys work too, with a TTL per call or the kit's defaultTtl.
await kit.cache.set('banner:home', { text: 'Spring sale' }, { ttl: '5m' })
show('plain', JSON.stringify(await kit.cache.get('banner:home')))

// Negative caching is opt-in: a missing row is cached only when you say for how long.
let lookups = 0
const findMissing = async () => {
  lookups++
  return null
}
await kit.cache.getOrSet(keys.search({ query: 'unicorn' }), findMissing, { cacheNullish: { ttl: '10s' } })
await kit.cache.getOrSet(keys.search({ query: 'unicorn' }), findMissing, { cacheNullish: { ttl: '10s' } })
show('nullish', `${lookups} lookup for two reads`)

// A hard timeout bounds a slow loader; its signal tells your query to stop.
const slow = ({ signal }: { signal: AbortSignal }) =>
  new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => resolve('late'), 1_000)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(signal.reason)
    })
  })
try {
  await kit.cache.getOrSet(keys.search({ query: 'slow' }), slow, { hardTimeout: 50 })
} catch (error) {
  if (!(error instanceof LoaderTimeoutError)) throw error
  show('timeout', `${error.code} after ${error.timeoutMs} ms`)
}

// Write-through: the database write runs first; if it throws, the cache is untouched.
await kit.cache.update(keys.product({ sku: 'A-1' }), async () => ({ sku: 'A-1', price: 1499 }))
show('update', `price now ${(await kit.cache.get(keys.product({ sku: 'A-1' })))?.price}`)

// Many keys in one round trip.
await kit.cache.setMany([
  { key: keys.product({ sku: 'B-2' }), value: { sku: 'B-2', price: 500 } },
  { key: keys.product({ sku: 'C-3' }), value: { sku: 'C-3', price: 700 } },
])
const prices = await kit.cache.getMany([keys.product({ sku: 'B-2' }), keys.product({ sku: 'Z-9' }), keys.product({ sku: 'C-3' })])
show('many', prices.map((product) => product?.price ?? '-').join(', '))

// The kill switch: with enabled: false (or CACHEKIT_DISABLED=1) every read calls the loader.
const disabled = createCachekit({ keys, enabled: false })
let calls = 0
await disabled.cache.getOrSet(keys.product({ sku: 'A-1' }), async () => ({ sku: 'A-1', price: ++calls }))
await disabled.cache.getOrSet(keys.product({ sku: 'A-1' }), async () => ({ sku: 'A-1', price: ++calls }))
show('disabled', `${calls} loader calls for two reads`)

await Promise.all([kit.close(), disabled.close()])

function show(step: string, text: string): void {
  console.log(`${step.padEnd(9)} ${text}`)
}
