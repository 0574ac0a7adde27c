/**
 * A Hono app for an edge runtime (Cloudflare Workers, Vercel Edge, Deno Deploy): rate
 * limits and cached responses on Upstash's REST API, no TCP connection and no `node:`
 * module anywhere. `app.fetch` is what the runtime calls.
 */
import type { Cachekit } from 'cachekit'
import { cacheResponse, rateLimit, type FetchClientOptions } from 'cachekit/hono'
import { Hono, type Context } from 'hono'

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

/**
 * Where the client's address comes from on your platform. Vercel's edge and most load
 * balancers append it to X-Forwarded-For: `{ trustedHops: 1 }`. Cloudflare Workers sets
 * cf-connecting-ip, which a client cannot: `{ ip: (c) => c.req.header('cf-connecting-ip') }`.
 */
export function createApp(kit: Cachekit<undefined, typeof rateLimits>, client: FetchClientOptions<Context> = { trustedHops: 1 }): Hono {
  const app = new Hono()
  app.use('/api/*', rateLimit(kit, { policy: 'api', ...client }))
  app.get('/api/weather/:city', cacheResponse(kit, { key: (c) => `weather:${c.req.param('city')}`, ttl: '5m', shared: true }), async (c) => c.json(await origin.weather(c.req.param('city'))))
  return app
}
