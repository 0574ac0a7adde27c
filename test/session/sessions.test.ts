import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { ValidationError } from '../../src/core/errors/index.js'
import { hashSlot } from '../../src/core/slot.js'
import type { Cachekit } from '../../src/kit.js'
import { resolveSessionOptions, type SessionOptions } from '../../src/session/options.js'
import { targets } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'
import { clockPasses } from '../support/wait.js'

const TOKEN = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('sessions on $name', (target) => {
  const kits = useKit(target, { label: 'sess' })
  const make = (sessions?: SessionOptions) => kits({ sessions })

  it('creates a session and reads it back by its token', async () => {
    const kit = make()
    const before = Date.now()
    const token = await kit.sessions.create('user-1', { role: 'editor', since: new Date('2024-03-01T00:00:00Z') })
    expect(token).toMatch(TOKEN)
    const session = await kit.sessions.get(token)
    expect(session).toMatchObject({ userId: 'user-1', data: { role: 'editor', since: new Date('2024-03-01T00:00:00Z') } })
    expect(session?.handle).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(session?.createdAt).toBeGreaterThanOrEqual(before - 1_000)
    expect(session?.lastSeenAt).toBe(session?.createdAt)
    expect(session?.expiresAt).toBe((session?.createdAt ?? 0) + 86_400_000)
    expect(session?.absoluteExpiresAt).toBe((session?.createdAt ?? 0) + 30 * 86_400_000)
  })

  it('slides the idle expiry on touch, never past the absolute expiry', async () => {
    const kit = make()
    const token = await kit.sessions.create(7, {}, { ttl: '1h', absoluteTtl: '90m' })
    const created = await kit.sessions.get(token)
    await clockPasses(5)
    const touched = await kit.sessions.touch(token)
    expect(touched?.lastSeenAt).toBeGreaterThan(created?.lastSeenAt ?? Infinity)
    expect(touched?.expiresAt).toBe((touched?.lastSeenAt ?? 0) + 3_600_000)
    expect((await kit.sessions.get(token))?.expiresAt).toBe(touched?.expiresAt)

    const short = await kit.sessions.create(7, {}, { ttl: '1h', absoluteTtl: '30m' })
    const capped = await kit.sessions.touch(short)
    expect(capped?.expiresAt).toBe(capped?.absoluteExpiresAt)
    expect(capped?.absoluteExpiresAt).toBe((capped?.createdAt ?? 0) + 1_800_000)
  })

  it('ends a session after its idle timeout, and touching keeps it alive meanwhile', async () => {
    const kit = make()
    const idle = await kit.sessions.create('u', {}, { ttl: 150 })
    const kept = await kit.sessions.create('u', {}, { ttl: 400 })
    await vi.waitFor(async () => expect(await kit.sessions.get(idle)).toBeNull(), { timeout: 5_000, interval: 20 })
    // Still alive: each touch restarts its 400 ms.
    expect(await kit.sessions.touch(kept)).not.toBeNull()
  })

  it('ends a session at its absolute timeout however often it is touched', async () => {
    const kit = make()
    const token = await kit.sessions.create('u', {}, { ttl: '1h', absoluteTtl: 200 })
    await vi.waitFor(async () => expect(await kit.sessions.touch(token)).toBeNull(), { timeout: 5_000, interval: 20 })
  })

  it('replaces the data on update, keeping the expiry', async () => {
    const kit = make()
    const token = await kit.sessions.create('u', { cart: 1 })
    const before = await kit.sessions.get(token)
    expect(await kit.sessions.update(token, { cart: 2 })).toBe(true)
    const after = await kit.sessions.get(token)
    expect(after?.data).toEqual({ cart: 2 })
    expect(after?.expiresAt).toBe(before?.expiresAt)
  })

  it('logs out one session on destroy', async () => {
    const kit = make()
    const token = await kit.sessions.create('u', {})
    const other = await kit.sessions.create('u', {})
    expect(await kit.sessions.destroy(token)).toBe(true)
    expect(await kit.sessions.get(token)).toBeNull()
    expect(await kit.sessions.destroy(token)).toBe(false)
    expect(await kit.sessions.update(token, {})).toBe(false)
    expect(await kit.sessions.get(other)).not.toBeNull()
  })

  it('lists a user’s live sessions, newest first, by handle and never by token', async () => {
    const kit = make()
    const first = await kit.sessions.create('u', { device: 'phone' })
    await clockPasses(3)
    const second = await kit.sessions.create('u', { device: 'laptop' })
    const expired = await kit.sessions.create('u', { device: 'old' }, { ttl: 50 })
    await kit.sessions.create('someone-else', { device: 'tv' })
    await vi.waitFor(async () => expect(await kit.sessions.get(expired)).toBeNull(), { timeout: 5_000, interval: 20 })

    const listed = await kit.sessions.list('u')
    expect(listed.map((session) => session.data)).toEqual([{ device: 'laptop' }, { device: 'phone' }])
    expect(listed.map((session) => session.handle)).toEqual([
      (await kit.sessions.get(second))?.handle,
      (await kit.sessions.get(first))?.handle,
    ])
    expect(JSON.stringify(listed)).not.toContain(first.split('.')[1])
  })

  it('revokes one device by handle', async () => {
    const kit = make()
    const phone = await kit.sessions.create('u', { device: 'phone' })
    const laptop = await kit.sessions.create('u', { device: 'laptop' })
    const handle = (await kit.sessions.get(phone))?.handle as string
    expect(await kit.sessions.revoke('u', handle)).toBe(true)
    expect(await kit.sessions.get(phone)).toBeNull()
    expect(await kit.sessions.get(laptop)).not.toBeNull()
    expect(await kit.sessions.revoke('u', handle)).toBe(false)
    expect(await kit.sessions.revoke('u', 'not a handle')).toBe(false)
  })

  it('logs out of all devices at once, or of all but the current one, and leaves no keys behind', async () => {
    const kit = make()
    const tokens = await Promise.all([1, 2, 3].map((device) => kit.sessions.create('u', { device })))
    const current = await kit.sessions.create('u', { device: 'current' })
    expect(await kit.sessions.destroyAll('u', { except: current })).toBe(3)
    for (const token of tokens) expect(await kit.sessions.get(token)).toBeNull()
    expect(await kit.sessions.get(current)).not.toBeNull()

    expect(await kit.sessions.destroyAll('u')).toBe(1)
    expect(await kit.sessions.get(current)).toBeNull()
    expect(await kit.sessions.list('u')).toEqual([])
    expect(await kit.sessions.destroyAll('u')).toBe(0)
    expect(await countSessionKeys(kit)).toBe(0)
  })

  it('keeps both of a user’s keys in one slot, expiring with the longest-lived session', async () => {
    const kit = make()
    await kit.sessions.create('u', {}, { ttl: '10m' })
    await kit.sessions.create('u', {}, { ttl: '2h' })
    const keys = await sessionKeys(kit)
    expect(keys).toHaveLength(2)
    expect(new Set(keys.map(hashSlot)).size).toBe(1)
    for (const key of keys) {
      const ttl = await kit.driver.pttl(key)
      expect(ttl).toBeGreaterThan(7_100_000)
      expect(ttl).toBeLessThanOrEqual(7_200_000)
    }
  })

  it('evicts the session closest to expiring when the user reaches the cap', async () => {
    const kit = make({ maxPerUser: 3 })
    const tokens: string[] = []
    for (let index = 0; index < 5; index++) {
      tokens.push(await kit.sessions.create('u', { index }))
      await clockPasses(2)
    }
    const alive = await Promise.all(tokens.map(async (token) => (await kit.sessions.get(token)) !== null))
    expect(alive).toEqual([false, false, true, true, true])
    expect((await kit.sessions.list('u')).map((session) => session.data)).toEqual([{ index: 4 }, { index: 3 }, { index: 2 }])
  })

  it('never holds more than the cap when many logins race', async () => {
    const kit = make({ maxPerUser: 5 })
    const tokens = await Promise.all(Array.from({ length: 40 }, (_, index) => kit.sessions.create('racer', { index })))
    const alive = (await Promise.all(tokens.map((token) => kit.sessions.get(token)))).filter((session) => session !== null)
    expect(alive).toHaveLength(5)
    expect(await kit.sessions.list('racer')).toHaveLength(5)
    expect(await kit.driver.zcard((await sessionKeys(kit)).find((key) => key.endsWith(':exp')) as string)).toBe(5)
  })

  it('hands out unguessable tokens: 256 random bits each, never repeated', async () => {
    const kit = make()
    const tokens = await Promise.all(Array.from({ length: 50 }, () => kit.sessions.create('u', {})))
    expect(new Set(tokens).size).toBe(50)
    const secrets = tokens.map((token) => token.split('.')[1] as string)
    expect(new Set(secrets.map((secret) => secret.slice(0, 4))).size).toBeGreaterThan(45)
    expect(new Set(tokens.map((token) => token.split('.')[0])).size).toBe(1)
  })

  it('answers null for tokens it never issued, and refuses non-strings', async () => {
    const kit = make()
    const token = await kit.sessions.create('u', {})
    const [tag] = token.split('.') as [string]
    for (const forged of [
      '',
      'garbage',
      `${tag}.${'A'.repeat(43)}`,
      `${token}x`,
      token.toUpperCase(),
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
    ]) {
      expect(await kit.sessions.get(forged)).toBeNull()
      expect(await kit.sessions.touch(forged)).toBeNull()
      expect(await kit.sessions.destroy(forged)).toBe(false)
    }
    await expect(kit.sessions.get(42 as unknown as string)).rejects.toBeInstanceOf(ValidationError)
    expect(await kit.sessions.get(token)).not.toBeNull()
  })

  it('never lets one user reach another user’s sessions', async () => {
    const kit = make()
    const alice = await kit.sessions.create('alice', { who: 'alice' })
    const bob = await kit.sessions.create('bob', { who: 'bob' })
    const aliceHandle = (await kit.sessions.get(alice))?.handle as string
    // Bob's user tag with Alice's secret: no such session.
    const spliced = `${bob.split('.')[0]}.${alice.split('.')[1]}`
    expect(await kit.sessions.get(spliced)).toBeNull()
    expect(await kit.sessions.update(spliced, { who: 'mallory' })).toBe(false)
    expect(await kit.sessions.destroy(spliced)).toBe(false)
    expect(await kit.sessions.revoke('bob', aliceHandle)).toBe(false)
    expect(await kit.sessions.destroyAll('bob', { except: alice })).toBe(1)
    expect(await kit.sessions.list('bob')).toEqual([])
    expect((await kit.sessions.get(alice))?.data).toEqual({ who: 'alice' })
    expect((await kit.sessions.list('alice')).map((session) => session.handle)).toEqual([aliceHandle])
  })

  it('keeps user ids apart however they are spelled, and treats 42 and "42" as one user', async () => {
    const kit = make()
    const ids = ['a:b', 'a%3Ab', 'a', 'a:*', '{a}', 'a b', 'josé', '|']
    const tokens = await Promise.all(ids.map((id) => kit.sessions.create(id, { id })))
    for (const [index, id] of ids.entries()) {
      expect((await kit.sessions.list(id)).map((session) => session.data)).toEqual([{ id }])
      expect((await kit.sessions.get(tokens[index] as string))?.userId).toBe(id)
    }
    expect(await kit.sessions.destroyAll('a')).toBe(1)
    expect(await kit.sessions.list('a:b')).toHaveLength(1)

    const numeric = await kit.sessions.create(42, {})
    expect((await kit.sessions.list('42')).map((session) => session.userId)).toEqual(['42'])
    expect(await kit.sessions.destroyAll('42')).toBe(1)
    expect(await kit.sessions.get(numeric)).toBeNull()
  })

  it('checks data with a schema: bad writes are refused, stored data that no longer fits reads as no session', async () => {
    const kit = make()
    const sessions = kit.sessions.withSchema(z.object({ role: z.enum(['viewer', 'editor']) }))
    await expect(sessions.create('u', { role: 'admin' } as never)).rejects.toBeInstanceOf(ValidationError)
    const good = await sessions.create('u', { role: 'viewer' })
    expect((await sessions.get(good))?.data.role).toBe('viewer')
    await expect(sessions.update(good, { role: 'root' } as never)).rejects.toBeInstanceOf(ValidationError)

    const invalid: unknown[] = []
    kit.events.on('invalid', (event) => invalid.push(event))
    const legacy = await kit.sessions.create('u', { role: 'superuser' })
    expect(await sessions.get(legacy)).toBeNull()
    expect(invalid).toEqual([expect.objectContaining({ family: 'sessions', reason: 'schema' })])
    expect(await sessions.list('u')).toHaveLength(1)
    expect(await kit.sessions.list('u')).toHaveLength(2)
  })

  it('refuses bad options and bad user ids with ValidationError', async () => {
    for (const options of [
      { maxPerUser: 0 },
      { maxPerUser: 1001 },
      { maxPerUser: 1.5 },
      { ttl: '-1s' },
      { absoluteTtl: '11y' },
      { ttl: 0 },
    ]) {
      expect(() => resolveSessionOptions(options)).toThrow(ValidationError)
    }
    const kit = make()
    await expect(kit.sessions.create('', {})).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.sessions.create(Number.NaN, {})).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.sessions.create('u', {}, { ttl: 0 })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.sessions.create('u', () => 1)).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.sessions.list(null as never)).rejects.toBeInstanceOf(ValidationError)
  })
})

async function sessionKeys(kit: Cachekit): Promise<string[]> {
  const keys: string[] = []
  for await (const batch of kit.driver.scan(kit.namespace.pattern('__sess:*'))) keys.push(...batch)
  return keys
}

async function countSessionKeys(kit: Cachekit): Promise<number> {
  return (await sessionKeys(kit)).length
}
