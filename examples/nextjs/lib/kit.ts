/**
 * One kit per runtime instance, shared by route handlers and middleware. The memory
 * driver by default; Redis over Upstash's REST API (edge-safe) when UPSTASH_REDIS_REST_URL
 * and UPSTASH_REDIS_REST_TOKEN are set.
 */
import { createCachekit } from 'cachekit'
import { upstashDriver } from 'cachekit/drivers/upstash'

const url = process.env.UPSTASH_REDIS_REST_URL
const token = process.env.UPSTASH_REDIS_REST_TOKEN

export const kit = createCachekit({
  driver: url && token ? upstashDriver({ url, token }) : undefined,
  prefix: 'next-example',
  rateLimits: {
    api: { algorithm: 'sliding-window', limit: 5, window: '1m' },
  },
})
