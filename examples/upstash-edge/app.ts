/**
 * A Hono app for an edge runtime (Cloudflare Workers, Vercel Edge, Deno Deploy): rate
 * limits and cached responses on Upstash's REST API, no TCP connection and no `node:`
 * module anywhere. `app.fetch` is what the runtime calls.
 */
import type { Cachekit } from 'cachekit'
import { cacheResponse, rateLimit } from 'cachekit/hono'
import { Hono } from 'hono'

export const rateLimits = {
  api: { algorithm: 'token-bucket', limit: 3, refillRate: 1, interval: '10s' },
} as const

export const origin = {
  fetches: 0,
  async weather(city: string) {
    this.fetches++
    return { city, celsius: 21 }
  },
}

export function createApp(kit: Cachekit<undefined, typeof rateLimits>): Hono {
  const app = new Hono()
  app.use('/api/*', rateLimit(kit, { policy: 'api', key: (c) => c.req.header('cf-connecting-ip') ?? c.req.header('x-forwarded-for') ?? 'anonymous' }))
  app.get('/api/weather/:city', cacheResponse(kit, { key: (c) => `weather:${c.req.param('city')}`, ttl: '5m', shared: true }), async (c) => c.json(await origin.weather(c.req.param('city'))))
  return app
}
