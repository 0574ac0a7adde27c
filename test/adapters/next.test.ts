/**
 * cachekit/next's functions outside a Next build: `cached` server functions, tag
 * invalidation that reaches Next's revalidateTag, and rateLimit's answers as web
 * Responses (the built example app in test/examples/nextjs.test.ts covers them in Next).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cached, invalidateTags, rateLimit } from '../../src/adapters/next/index.js'
import { ValidationError } from '../../src/core/errors/index.js'
import { createCachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'

describe.each(targets('memory', 'redis'))('cachekit/next on $name', ({ createDriver }) => {
  const rateLimits = { api: { algorithm: 'fixed-window', limit: 1, window: '1m' } } as const
  const make = () => createCachekit({ driver: createDriver(), prefix: uniquePrefix('next'), rateLimits })
  let kit: ReturnType<typeof make> | undefined
  afterEach(() => kit?.close())

  it('caches a server function per argument list, and drops its entries by tag', async () => {
    kit = make()
    const query = vi.fn(async (page: number, sort: string) => ({ page, sort, at: Date.now() }))
    const listVideos = cached(kit, query, { key: 'videos', ttl: '1m', tags: (page) => ['videos', `videos:page:${page}`] })
    const first = await listVideos(1, 'new')
    expect(await listVideos(1, 'new')).toEqual(first)
    await listVideos(2, 'new')
    expect(query).toHaveBeenCalledTimes(2)
    expect(await kit.cache.get('videos:1:new')).toEqual(first)

    const revalidateTag = vi.fn()
    const report = await invalidateTags(kit, ['videos:page:1'], { revalidateTag })
    expect(report.tags).toEqual(['videos:page:1'])
    expect(revalidateTag).toHaveBeenCalledWith('videos:page:1')
    await listVideos(1, 'new')
    await listVideos(2, 'new')
    expect(query).toHaveBeenCalledTimes(3)
  })

  it('answers 429 as a Response, and adds the headers to what onAllowed answers', async () => {
    kit = make()
    const limit = rateLimit(kit, { policy: 'api', key: (request) => request.headers.get('x-client') ?? 'anonymous' })
    const request = () => new Request('http://localhost/api', { headers: { 'x-client': 'c1' } })
    const allowed = await limit(request(), () => new Response('ok'))
    expect(allowed?.headers.get('ratelimit')).toMatch(/^"api";r=0;t=\d+$/)
    expect(await limit(new Request('http://localhost/api'))).toBeUndefined()
    const refused = await limit(request(), () => new Response('ok'))
    expect(refused?.status).toBe(429)
    expect(await refused?.json()).toMatchObject({ policy: 'api' })
  })
})

describe('cached setup', () => {
  it('refuses a missing key and an argument it cannot turn into a key', async () => {
    const kit = createCachekit({ defaultTtl: '1m' })
    expect(() => cached(kit, async () => 1, { key: '' })).toThrow(ValidationError)
    const byArgument = cached(kit, async (_fn: unknown) => 1, { key: 'f' })
    await expect(byArgument(() => 1)).rejects.toBeInstanceOf(ValidationError)
    await kit.close()
  })
})
