/**
 * An Express app on cachekit: cached pages (per user where it matters), rate limits with
 * the IETF headers and keys a client cannot forge, express-rate-limit on cachekit's
 * store, and the admin endpoints.
 */
import type { Cachekit } from 'cachekit'
import { adminRouter, cacheResponse, clientIp, expressRateLimitStore, ipKey, rateLimit } from 'cachekit/express'
import express from 'express'
import { rateLimit as expressRateLimit } from 'express-rate-limit'

/** The policies this app uses (passed to createCachekit as `rateLimits`). */
export const rateLimits = {
  api: { algorithm: 'sliding-window', limit: 3, window: '1m' },
  login: { algorithm: 'fixed-window', limit: 5, window: '15m', onError: 'deny' },
} as const

type Kit = Cachekit<undefined, typeof rateLimits>

/** A pretend database that counts its queries. */
export const db = {
  queries: 0,
  async videos(page: number) {
    this.queries++
    return [1, 2].map((index) => ({ id: (page - 1) * 2 + index, title: `Video ${(page - 1) * 2 + index}` }))
  },
  async feed(userId: string) {
    this.queries++
    return { for: userId, videos: [7, 8] }
  },
}

/** API keys this app issued, to their customer (a real app looks them up in its database). */
export const customers = new Map<string, string>()

/**
 * Who is counted: the customer of an API key this app issued, else the client's address
 * (IPv6 by /56). An invented key names nobody, so it cannot buy a fresh quota.
 */
function customerOrIp(req: express.Request): string | undefined {
  const customer = customers.get(req.get('x-api-key') ?? '')
  return customer === undefined ? ipKey(clientIp(req)) : `customer:${customer}`
}

type AuthedRequest = express.Request & { user?: { id: string } }

export function createApp(kit: Kit): express.Express {
  const app = express()
  // How many proxies in front of the app append to X-Forwarded-For: req.ip is the address the last one saw.
  app.set('trust proxy', Number(process.env.TRUSTED_PROXIES ?? 0))

  // Stands in for your auth middleware (Passport sets req.user the same way).
  app.use((req: AuthedRequest, _res, next) => {
    const token = req.get('authorization')?.replace('Bearer ', '')
    if (token) req.user = { id: token }
    next()
  })

  app.get(
    '/videos',
    rateLimit(kit, { policy: 'api', key: customerOrIp }),
    cacheResponse(kit, { key: (req) => `page:videos:${Number(req.query.page ?? 1)}`, ttl: '1m', tags: ['videos'], shared: true }),
    async (req, res) => {
      res.json(await db.videos(Number(req.query.page ?? 1)))
    },
  )

  // Per-user data: cacheResponse files each response under its user (req.user.id), and
  // refuses a request with a Cookie or Authorization header but no req.user.
  app.get('/me/feed', cacheResponse(kit, { key: () => 'page:feed', ttl: '30s' }), async (req: AuthedRequest, res) => {
    res.json(await db.feed(req.user?.id ?? 'anonymous'))
  })

  // An app already on express-rate-limit keeps it, with its counters in cachekit's driver.
  // Its default keyGenerator counts by req.ip too, IPv6 by /56.
  const searchLimiter = expressRateLimit({
    windowMs: 60_000,
    limit: 2,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: expressRateLimitStore(kit, { prefix: 'search' }),
  })
  app.get('/search', searchLimiter, (req, res) => {
    res.json({ query: req.query.q, results: [] })
  })

  app.post('/videos', express.json(), async (req, res) => {
    await kit.cache.invalidateTags(['videos'])
    res.status(201).json({ created: req.body })
  })

  app.use('/admin/cache', adminRouter(kit, { authorize: (req) => req.get('authorization') === `Bearer ${process.env.ADMIN_TOKEN ?? 'admin-secret'}` }))

  app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: error.name, message: error.message })
  })
  return app
}
