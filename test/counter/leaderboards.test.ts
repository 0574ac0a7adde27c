import { afterEach, describe, expect, it, vi } from 'vitest'
import { ValidationError } from '../../src/core/errors/index.js'
import { targets } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

const HOUR = 3_600_000
const ERA = 64 * HOUR

describe.each(targets('memory', 'redis', 'cluster'))('leaderboards and trending on $name', (target) => {
  const make = useKit(target, { label: 'lb' })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('ranks members highest first, with 1-based ranks, scores and removal', async () => {
    const likes = make().counters.leaderboard('videos:likes')
    await likes.incrScore('v1', 5)
    await likes.incrScore('v2', 9)
    await likes.incrScore('v3')
    expect(await likes.incrScore('v1', 2.5)).toBe(7.5)
    await likes.setScore('v4', 8)
    expect(await likes.top(3)).toEqual([
      { member: 'v2', score: 9, rank: 1 },
      { member: 'v4', score: 8, rank: 2 },
      { member: 'v1', score: 7.5, rank: 3 },
    ])
    expect(await likes.rank('v3')).toBe(4)
    expect(await likes.rank('nobody')).toBeNull()
    expect(await likes.score('v3')).toBe(1)
    expect(await likes.score('nobody')).toBeNull()
    expect(await likes.remove('v2')).toBe(true)
    expect(await likes.remove('v2')).toBe(false)
    expect(await likes.size()).toBe(3)
    await likes.reset()
    expect(await likes.top(10)).toEqual([])
  })

  it('fades a trending score by half every half-life', async () => {
    const hot = make().counters.trending('videos', { halfLife: '1h' })
    const start = Math.floor(Date.now() / ERA) * ERA + 2 * HOUR
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(start)
    expect(await hot.incr('v1', 8)).toBeCloseTo(8, 9)
    vi.setSystemTime(start + HOUR)
    expect(await hot.score('v1')).toBeCloseTo(4, 9)
    expect(await hot.incr('v1', 1)).toBeCloseTo(5, 9)
    vi.setSystemTime(start + 3 * HOUR)
    expect(await hot.score('v1')).toBeCloseTo(1.25, 9)
    expect(await hot.score('nobody')).toBe(0)
  })

  it('ranks a recent burst above an older, larger one', async () => {
    const hot = make().counters.trending('videos', { halfLife: '1h' })
    const start = Math.floor(Date.now() / ERA) * ERA + 2 * HOUR
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(start)
    await hot.incr('old-hit', 100)
    vi.setSystemTime(start + 10 * HOUR)
    await hot.incr('new-hit', 1)
    const top = await hot.top(2)
    expect(top.map((entry) => entry.member)).toEqual(['new-hit', 'old-hit'])
    expect(top[1]?.score).toBeCloseTo(100 / 1024, 9)
  })

  it('stays continuous across an era boundary', async () => {
    const kit = make()
    const hot = kit.counters.trending('videos', { halfLife: '1h' })
    const nextEra = (Math.floor(Date.now() / ERA) + 1) * ERA
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(nextEra - 2 * HOUR)
    await hot.incr('v1', 16)
    vi.setSystemTime(nextEra + 2 * HOUR)
    expect(await hot.score('v1')).toBeCloseTo(1, 9)
    expect(await kit.driver.exists([`${kit.namespace.prefix}__trend:{videos}:${nextEra / ERA}`])).toBe(1)
    await hot.incr('v1', 1)
    expect((await hot.top(1))[0]).toMatchObject({ member: 'v1', rank: 1 })
    expect((await hot.top(1))[0]?.score).toBeCloseTo(2, 9)
  })

  it('keeps only the maxMembers highest members', async () => {
    const hot = make().counters.trending('small', { maxMembers: 3 })
    for (const [member, by] of [
      ['a', 5],
      ['b', 1],
      ['c', 4],
      ['d', 3],
      ['e', 2],
    ] as const)
      await hot.incr(member, by)
    const top = await hot.top(10)
    expect(top.map((entry) => entry.member)).toEqual(['a', 'c', 'd'])
  })

  it('refuses bad names, members, counts and options with ValidationError', async () => {
    const kit = make()
    expect(() => kit.counters.leaderboard('a{b}')).toThrow(ValidationError)
    expect(() => kit.counters.trending('t', { halfLife: 10 })).toThrow(ValidationError)
    expect(() => kit.counters.trending('t', { maxMembers: 0 })).toThrow(ValidationError)
    const likes = kit.counters.leaderboard('likes')
    await expect(likes.incrScore('')).rejects.toBeInstanceOf(ValidationError)
    await expect(likes.incrScore('v', Number.NaN)).rejects.toBeInstanceOf(ValidationError)
    await expect(likes.top(0)).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.counters.trending('t').incr('v', Number.POSITIVE_INFINITY)).rejects.toBeInstanceOf(ValidationError)
  })
})
