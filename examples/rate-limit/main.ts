/**
 * Rate limits on the in-memory driver: `npm run example:rate-limit`. Swap in
 * `ioredisDriver({ url })` or `upstashDriver({ url, token })` and every line behaves the
 * same across all your processes. Every snippet in docs/rate-limiting.md is copied from
 * this file, which CI runs.
 */
import { CachekitError, createCachekit, RateLimitExceededError, rateLimitHeaders } from 'cachekit'

const kit = createCachekit({
  prefix: 'app',
  rateLimits: {
    api: { algorithm: 'fixed-window', limit: 1000, window: '1h' },
    upload: { algorithm: 'token-bucket', limit: 50, refillRate: 1, interval: '72s' },
    message: { algorithm: 'sliding-window', limit: 100, window: '1h' },
    login: { algorithm: 'sliding-window', limit: 5, window: '15m', blockFor: '15m', onError: 'deny' },
    export: { algorithm: 'sliding-log', limit: 10, window: '1h', insurance: { limit: 5 } },
  },
})

// One check per request, one round trip. A denial is a value, not an error.
const email = 'ada@example.com'
const attempts: string[] = []
for (let attempt = 1; attempt <= 6; attempt++) {
  const { allowed, remaining, blocked } = await kit.rateLimits.limit('login', email)
  attempts.push(allowed ? `${remaining} left` : `denied${blocked ? ', blocked' : ''}`)
}
show('login', attempts.join(' | '))

// A successful login forgets the failed attempts (and the block).
await kit.rateLimits.limiter('login').reset(email)
show('reset', `login allowed again: ${(await kit.rateLimits.limit('login', email)).allowed}`)

// Expensive requests cost more. A cost that does not fit is refused without being charged.
const userId = 42
await kit.rateLimits.limit('export', userId, { cost: 4 })
await kit.rateLimits.limit('export', userId, { cost: 4 })
const big = await kit.rateLimits.limit('export', userId, { cost: 4 })
show('cost', `third export of 4 allowed: ${big.allowed}, ${big.remaining} left, retry in ${Math.ceil(big.retryAfterMs / 1000)} s`)

// A token bucket absorbs a burst of `limit`, then refills `refillRate` per `interval`.
let uploaded = 0
while ((await kit.rateLimits.limit('upload', userId)).allowed) uploaded++
show('burst', `${uploaded} uploads in a burst, then one every 72 s`)

// Code that prefers exceptions: RateLimitExceededError carries the same fields.
try {
  await kit.rateLimits.limitOrThrow('upload', userId)
} catch (error) {
  if (!(error instanceof RateLimitExceededError)) throw error
  show('thrown', `${error.code}: retry after ${Math.ceil(error.retryAfterMs / 1000)} s (policy ${error.policy})`)
}

// Peek answers without counting.
const api = kit.rateLimits.limiter('api')
const before = await api.peek(userId)
const result = await api.limit(userId)
show('peek', `${before.remaining} left before, ${result.remaining} after one request`)

// Headers for an HTTP response (what the framework adapters send).
const headers = rateLimitHeaders(result, api.policy)
show('headers', Object.entries(headers).map(([name, value]) => `${name}: ${value}`).join(', '))

// Bad input is refused before anything is sent.
try {
  await kit.rateLimits.limit('api', userId, { cost: 5000 })
} catch (error) {
  if (!CachekitError.is(error, 'VALIDATION_ERROR')) throw error
  show('refused', error.message)
}

await kit.close()

function show(label: string, text: string): void {
  console.log(`${label.padEnd(8)} ${text}`)
}
