/**
 * Every code block of docs/keys.md marked `<!-- snippet: name -->` is the region `name`
 * of this file, character for character (import lines aside), so the docs are compiled
 * by tsc, run by vitest and checked by the assertions after each region.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { decodeEnvelope, encodeEnvelope, envelopeState, jsonCodec, superjsonCodec } from '../../src/codec/index.js'
import { hashSlot } from '../../src/core/slot.js'
import { createNamespace, defineKeys, escapeParam, typed, unescapeParam } from '../../src/keys/index.js'

describe('docs/keys.md', () => {
  it('defining keys', () => {
    // #region define-keys
    interface Video {
      id: string
      title: string
    }
    const User = z.object({ id: z.number(), name: z.string(), joinedAt: z.date() })

    const keys = defineKeys({
      user: { template: 'user:{id}', ttl: '1h', grace: '10m', schema: User, tags: ({ id }) => [`user:${id}`] },
      video: { template: 'video:{id}', ttl: '24h', value: typed<Video>(), priority: 'high' },
      videoList: { template: 'videos:list:{page}:{sort}', ttl: '5m', tags: ['videos'] },
      categories: { template: 'category:all', ttl: '7d' },
    })

    const key = keys.user({ id: 42 })
    const text = key.key // 'user:42' (the kit adds its prefix)
    const ttl = [key.ttlMs, key.graceMs] // [3_600_000, 600_000]
    const tags = key.tags // ['user:42']
    // #endregion
    expect([text, ttl, tags]).toEqual(['user:42', [3_600_000, 600_000], ['user:42']])
    expect(keys.categories().key).toBe('category:all')
    expect(keys.video({ id: 'v1' }).priority).toBe('high')
    expect(keys.videoList({ page: 1, sort: 'new' }).tags).toEqual(['videos'])
  })

  it('escaping', () => {
    const keys = defineKeys({ user: { template: 'user:{id}', ttl: '1h' } })
    // #region escaping
    keys.user({ id: 42 }).key // 'user:42'
    keys.user({ id: 'ada@example.com' }).key // 'user:ada@example.com'
    keys.user({ id: 'a:b' }).key // 'user:a%3Ab'
    keys.user({ id: '*' }).key // 'user:%2A'
    keys.user({ id: '{x}' }).key // 'user:%7Bx%7D'

    escapeParam('50% off') // '50%25%20off'
    unescapeParam('50%25%20off') // '50% off'
    // #endregion
    expect(['42', 'ada@example.com', 'a:b', '*', '{x}'].map((id) => keys.user({ id }).key)).toEqual([
      'user:42',
      'user:ada@example.com',
      'user:a%3Ab',
      'user:%2A',
      'user:%7Bx%7D',
    ])
    expect(escapeParam('50% off')).toBe('50%25%20off')
    expect(unescapeParam('50%25%20off')).toBe('50% off')
  })

  it('patterns', () => {
    const keys = defineKeys({
      videoList: { template: 'videos:list:{page}:{sort}', ttl: '5m' },
      user: { template: 'user:{id}', ttl: '1h' },
      profile: { template: 'user:{id}:profile', ttl: '1h' },
    })
    // #region patterns
    keys.videoList.pattern({ sort: 'new' }) // 'videos:list:*:new'
    keys.videoList.pattern({ page: '*' }) // 'videos:list:%2A:*' (a literal '*', not a wildcard)

    // 'user:*' also matches 'user:42:profile': filter what SCAN returns with parse().
    keys.user.pattern() // 'user:*'
    keys.user.parse('user:42') // { id: '42' }
    keys.user.parse('user:42:profile') // null
    // #endregion
    expect(keys.videoList.pattern({ sort: 'new' })).toBe('videos:list:*:new')
    expect(keys.videoList.pattern({ page: '*' })).toBe('videos:list:%2A:*')
    expect(keys.user.pattern()).toBe('user:*')
    expect(keys.user.parse('user:42')).toEqual({ id: '42' })
    expect(keys.user.parse('user:42:profile')).toBeNull()
  })

  it('hash tags', () => {
    // #region hash-tags
    const keys = defineKeys({
      profile: { template: 'user:{id}:profile', ttl: '1h', hashTag: 'id' },
      orders: { template: 'orders:{userId}:{page}', ttl: '5m', hashTag: 'userId' },
      window: { template: 'rl:{name}:{id}:cur', ttl: '1m', hashTag: ['name', 'id'] },
    })

    keys.profile({ id: 42 }).key // 'user:{42}:profile'
    keys.orders({ userId: 42, page: 1 }).key // 'orders:{42}:1': same slot as the profile
    keys.window({ name: 'api', id: 42 }).key // 'rl:{api:42}:cur'
    // #endregion
    expect(keys.profile({ id: 42 }).key).toBe('user:{42}:profile')
    expect(keys.orders({ userId: 42, page: 1 }).key).toBe('orders:{42}:1')
    expect(hashSlot(`app:${keys.orders({ userId: 42, page: 1 }).key}`)).toBe(hashSlot(`app:${keys.profile({ id: 42 }).key}`))
    expect(keys.window({ name: 'api', id: 42 }).key).toBe('rl:{api:42}:cur')
  })

  it('the TTL table', () => {
    // #region describe
    const keys = defineKeys({
      user: { template: 'user:{id}', ttl: '1h', grace: '10m', tags: ({ id }) => [`user:${id}`] },
      videoList: { template: 'videos:list:{page}:{sort}', ttl: 300_000, tags: ['videos'] },
    })

    const table = keys.describe().map((row) => `| ${row.family} | \`${row.template}\` | ${row.ttl} | ${row.grace} |`)
    // | user | `user:{id}` | 1h | 10m |
    // | videoList | `videos:list:{page}:{sort}` | 5m | 0ms |
    // #endregion
    expect(table).toEqual(['| user | `user:{id}` | 1h | 10m |', '| videoList | `videos:list:{page}:{sort}` | 5m | 0ms |'])
    expect(keys.describe()[0]).toMatchObject({ ttlMs: 3_600_000, graceMs: 600_000, tags: 'dynamic', hasSchema: false })
  })

  it('namespaces', () => {
    // #region namespace
    const namespace = createNamespace({ prefix: 'app', environment: 'prod' })
    namespace.key('user:42') // 'app:prod:user:42'
    namespace.strip('app:prod:user:42') // 'user:42'
    // #endregion
    expect(namespace.key('user:42')).toBe('app:prod:user:42')
    expect(namespace.strip('app:prod:user:42')).toBe('user:42')
  })

  it('stored values', () => {
    // #region envelope
    const now = Date.now()
    const text = encodeEnvelope(superjsonCodec, {
      value: { id: 42, joinedAt: new Date(0) },
      createdAt: now,
      expiresAt: now + 3_600_000, // ttl
      staleUntil: now + 4_200_000, // ttl + grace: the physical TTL ends here
      tags: ['user:42'],
    })

    const result = decodeEnvelope(superjsonCodec, text)
    if (result.ok) envelopeState(result.envelope, Date.now()) // 'fresh'
    decodeEnvelope(jsonCodec, text) // { ok: false, reason: 'codec', ... }: written by another codec
    // #endregion
    expect(result.ok && result.envelope.value).toEqual({ id: 42, joinedAt: new Date(0) })
    expect(result.ok && envelopeState(result.envelope, now)).toBe('fresh')
    expect(decodeEnvelope(jsonCodec, text)).toMatchObject({ ok: false, reason: 'codec' })
  })

  it('shows exactly these regions, and every region is shown', () => {
    const source = readFileSync(new URL(import.meta.url), 'utf8')
    const regions = new Map(
      [...source.matchAll(/^( *)\/\/ #region ([\w-]+)\n([\s\S]*?)^ *\/\/ #endregion/gm)].map((m) => [
        m[2] as string,
        dedent(m[3] as string, (m[1] as string).length),
      ]),
    )
    const docs = readFileSync(new URL('../../docs/keys.md', import.meta.url), 'utf8')
    const snippets = [...docs.matchAll(/<!-- snippet: ([\w-]+) -->\n```ts\n([\s\S]*?)```/g)].map(
      (m) => [m[1] as string, m[2] as string] as const,
    )
    expect(snippets.map(([name]) => name).sort()).toEqual([...regions.keys()].sort())
    for (const [name, code] of snippets) {
      const shown = code
        .split('\n')
        .filter((line) => !line.startsWith('import '))
        .join('\n')
        .trimStart()
      expect(shown, `docs/keys.md snippet "${name}"`).toBe(regions.get(name))
    }
  })
})

function dedent(text: string, indent: number): string {
  return text
    .split('\n')
    .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
    .join('\n')
}
