import { describe, expect, it } from 'vitest'
import { CommandError, ValidationError } from '../../src/core/errors/index.js'
import { hashSlot } from '../../src/core/slot.js'
import { targets } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('counters on $name', (target) => {
  const make = useKit(target, { label: 'cnt' })

  it('increments, decrements, reads and resets a plain counter under the namespace', async () => {
    const kit = make()
    expect(await kit.counters.get('jobs:running')).toBe(0)
    expect(await kit.counters.incr('jobs:running')).toBe(1)
    expect(await kit.counters.incr('jobs:running', 5)).toBe(6)
    expect(await kit.counters.decr('jobs:running', 2)).toBe(4)
    expect(await kit.counters.get('jobs:running')).toBe(4)
    expect(await kit.driver.get(`${kit.namespace.prefix}__cnt:jobs:running`)).toBe('4')
    await kit.counters.reset('jobs:running')
    expect(await kit.counters.get('jobs:running')).toBe(0)
  })

  it('sets a TTL on the first write only, atomically with it', async () => {
    const kit = make()
    await kit.counters.incr('signups:today', 1, { ttl: '10s' })
    await kit.counters.incr('signups:today', 1, { ttl: '1h' })
    const ttl = await kit.driver.pttl(`${kit.namespace.prefix}__cnt:signups:today`)
    expect(ttl).toBeGreaterThan(8_000)
    expect(ttl).toBeLessThanOrEqual(10_000)
    await kit.counters.incr('forever')
    expect(await kit.driver.pttl(`${kit.namespace.prefix}__cnt:forever`)).toBe(-1)
  })

  it('reads many counters in one call, in order, with 0 for missing ones', async () => {
    const kit = make()
    await kit.counters.incr('a', 2)
    await kit.counters.incr('c', 3)
    expect(await kit.counters.getMany(['a', 'b', 'c'])).toEqual([2, 0, 3])
    expect(await kit.counters.getMany([])).toEqual([])
  })

  it('counts exactly under 200 concurrent increments', async () => {
    const kit = make()
    const views = kit.counters.family('video:views')
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? kit.counters.incr('hits') : views.incr('v1'))))
    expect(await kit.counters.get('hits')).toBe(100)
    expect(await views.get('v1')).toBe(100)
  })

  it('keeps family ids apart however odd, each in its shard hash tag', async () => {
    const kit = make()
    const likes = kit.counters.family('video:likes', { shards: 4 })
    await likes.incr('a:b*{c}', 2)
    await likes.incr('a', 1)
    await likes.incr(42, 7)
    expect(await likes.getMany(['a:b*{c}', 'a', '42', 'missing'])).toEqual([2, 1, 7, 0])
    const key = `${kit.namespace.prefix}__cnt:{video:likes|${hashSlot('42') % 4}}:id:42`
    expect(await kit.driver.get(key)).toBe('7')
  })

  it("gives a family's counters the family TTL unless a call says otherwise", async () => {
    const kit = make()
    const unread = kit.counters.family('notifications:unread', { ttl: '1h' })
    await unread.incr('user-1')
    await unread.incr('user-2', 1, { ttl: '10s' })
    const ttl1 = await kit.driver.pttl(unread.keys.counter('user-1').key)
    const ttl2 = await kit.driver.pttl(unread.keys.counter('user-2').key)
    expect(ttl1).toBeGreaterThan(3_500_000)
    expect(ttl2).toBeLessThanOrEqual(10_000)
    expect(await unread.decr('user-1')).toBe(0)
    await unread.reset('user-2')
    expect(await unread.get('user-2')).toBe(0)
  })

  it('returns the same family for the same declaration and refuses a conflicting one', () => {
    const kit = make()
    const views = kit.counters.family('video:views', { writeBehind: true })
    expect(kit.counters.family('video:views', { writeBehind: true })).toBe(views)
    expect(() => kit.counters.family('video:views')).toThrow(ValidationError)
    expect(() => kit.counters.family('video:views', { writeBehind: true, shards: 2 })).toThrow(ValidationError)
  })

  it('refuses bad names, increments and options with ValidationError', async () => {
    const kit = make()
    for (const name of ['', 'a::b', ':a', 'a{b}', 'user:*', 'two words', 'a|b']) {
      await expect(kit.counters.incr(name)).rejects.toBeInstanceOf(ValidationError)
    }
    await expect(kit.counters.incr('ok', 1.5)).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.counters.incr('ok', Number.MAX_SAFE_INTEGER + 2)).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.counters.incr('ok', 1, { ttl: 0 })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.counters.family('f').incr('')).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.counters.getMany('a' as never)).rejects.toBeInstanceOf(ValidationError)
    expect(() => kit.counters.family('f', { shards: 0 })).toThrow(ValidationError)
    await expect(kit.counters.family('plain').flush(async () => undefined)).rejects.toBeInstanceOf(ValidationError)
    expect(await kit.counters.get('ok')).toBe(0)
  })

  it('reports a counter key holding something else as a CommandError', async () => {
    const kit = make()
    await kit.driver.set(`${kit.namespace.prefix}__cnt:broken`, 'not a number')
    await expect(kit.counters.get('broken')).rejects.toBeInstanceOf(CommandError)
    await expect(kit.counters.incr('broken')).rejects.toBeInstanceOf(CommandError)
  })
})
