/**
 * tRPC procedures with cachekit middleware: a rate limit per procedure (by policy) and a
 * cache per query procedure (keyed by path, input and, for protected data, the user).
 */
import { initTRPC, TRPCError } from '@trpc/server'
import type { Cachekit } from 'cachekit'
import { escapeParam, ipKey } from 'cachekit'

export const rateLimits = {
  api: { algorithm: 'sliding-window', limit: 20, window: '1m' },
  upload: { algorithm: 'fixed-window', limit: 2, window: '1h', onError: 'deny' },
} as const

export type Kit = Cachekit<undefined, typeof rateLimits>

export interface Context {
  kit: Kit
  /** Who is calling, from your auth (a session, a JWT): never a header the client sets unverified. */
  userId: string | undefined
  /** The peer's address (behind proxies, the one the last of them saw). */
  ip: string | undefined
}

const t = initTRPC.context<Context>().create()

/**
 * Counts the call under `policy`, per user, else per client address (IPv6 per /56); over
 * the limit: TOO_MANY_REQUESTS. A call with neither is refused, never counted in one
 * bucket shared by everyone.
 */
export function rateLimited(policy: keyof typeof rateLimits) {
  return t.middleware(async ({ ctx, next }) => {
    const identifier = ctx.userId ?? ipKey(ctx.ip)
    if (identifier === undefined) throw new TRPCError({ code: 'BAD_REQUEST', message: 'no user and no client address to count this call by' })
    const result = await ctx.kit.rateLimits.limit(policy, identifier)
    if (!result.allowed) {
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `rate limit "${policy}": retry in ${Math.ceil(result.retryAfterMs / 1000)} s` })
    }
    return next()
  })
}

/**
 * Caches a query's result for `ttl`, keyed by the procedure path and its input; with
 * `perUser`, by the caller too, so one user's data never reaches another.
 */
export function cachedQuery(options: { ttl: string; tags?: readonly string[]; perUser?: boolean }) {
  return t.middleware(async ({ ctx, path, getRawInput, next }) => {
    const input = JSON.stringify((await getRawInput()) ?? null)
    // Anonymous callers get a scope of their own: a user whose id is "anonymous" never meets them.
    const user = !options.perUser ? '' : ctx.userId ? `:~u:${escapeParam(ctx.userId)}` : ':~anon'
    const key = `trpc:${path}:${escapeParam(input)}${user}`
    let fresh: Awaited<ReturnType<typeof next>> | undefined
    const data = await ctx.kit.cache.getOrSet(
      key,
      async () => {
        fresh = await next()
        if (!fresh.ok) throw fresh.error
        return fresh.data
      },
      { ttl: options.ttl, tags: options.tags },
    )
    // tRPC has no public constructor for a middleware result: a cached answer is returned
    // in the shape next() resolves to.
    return fresh ?? { ok: true as const, data, marker: undefined as never, ctx }
  })
}

export const db = {
  queries: 0,
  async videos(page: number) {
    this.queries++
    return [1, 2].map((index) => ({ id: (page - 1) * 2 + index }))
  },
}

const api = t.procedure.use(rateLimited('api'))

export const appRouter = t.router({
  videos: api.use(cachedQuery({ ttl: '1m', tags: ['videos'] })).input((raw) => ({ page: Number((raw as { page?: number } | undefined)?.page ?? 1) })).query(({ input }) => db.videos(input.page)),
  myUploads: api.use(cachedQuery({ ttl: '30s', perUser: true })).query(({ ctx }) => ({ owner: ctx.userId ?? 'anonymous', uploads: [] })),
  upload: t.procedure.use(rateLimited('upload')).mutation(async ({ ctx }) => {
    await ctx.kit.cache.invalidateTags(['videos'])
    return { uploaded: true }
  }),
})

export type AppRouter = typeof appRouter
