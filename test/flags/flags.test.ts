import { describe, expect, it, vi } from 'vitest'
import { CachekitError, ValidationError } from '../../src/core/errors/index.js'
import type { Driver } from '../../src/drivers/driver.js'
import { rolloutBucket } from '../../src/flags/bucket.js'
import type { FlagsOptions } from '../../src/flags/options.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { useKit } from '../support/use-kit.js'

describe.each(targets('memory', 'redis', 'cluster', 'upstash'))('flags on $name', (target) => {
  const kits = useKit(target, { label: 'flags' })
  const make = (flags?: FlagsOptions, driver?: Driver, prefix?: string) => kits({ flags, driver, prefix })

  it('answers declared defaults until Redis holds a state, and false for undeclared flags', async () => {
    const kit = make({ defaults: { 'search-v2': true, 'new-player': false } })
    await kit.flags.load()
    expect(kit.flags.isEnabled('search-v2')).toBe(true)
    expect(kit.flags.isEnabled('new-player')).toBe(false)
    expect(kit.flags.isEnabled('never-declared')).toBe(false)
    expect(kit.flags.get('search-v2')).toBeUndefined()
  })

  it('shows a write at once on the writing instance', async () => {
    const kit = make({ defaults: { 'new-player': false } })
    const state = await kit.flags.set('new-player', { enabled: true })
    expect(state).toMatchObject({ enabled: true, percentage: undefined, allow: [], deny: [], revision: 1 })
    expect(kit.flags.isEnabled('new-player', { userId: 1 })).toBe(true)
    expect(kit.flags.all()).toEqual({ 'new-player': state })
    await kit.flags.disable('new-player')
    expect(kit.flags.isEnabled('new-player')).toBe(false)
    expect(kit.flags.get('new-player')?.revision).toBe(2)
  })

  it('rolls out to a stable share of users, keeping everyone who was in as the share grows', async () => {
    const kit = make()
    await kit.flags.set('new-player', { enabled: true, percentage: 25 })
    const users = Array.from({ length: 10_000 }, (_, index) => `user-${index}`)
    const at25 = users.filter((userId) => kit.flags.isEnabled('new-player', { userId }))
    expect(at25.length).toBeGreaterThan(2_300)
    expect(at25.length).toBeLessThan(2_700)
    await kit.flags.update('new-player', { percentage: 50 })
    const at50 = new Set(users.filter((userId) => kit.flags.isEnabled('new-player', { userId })))
    expect(at25.every((userId) => at50.has(userId))).toBe(true)
    expect(at50.size).toBeGreaterThan(4_700)
    expect(at50.size).toBeLessThan(5_300)
    // Without a user there is nobody to bucket: off below 100 %.
    expect(kit.flags.isEnabled('new-player')).toBe(false)
  })

  it('lets the deny list win over the allow list, and the allow list win over a disabled flag', async () => {
    const kit = make()
    await kit.flags.set('beta', { enabled: false, allow: ['qa-1', 7], deny: ['qa-1'] })
    expect(kit.flags.isEnabled('beta', { userId: 7 })).toBe(true)
    expect(kit.flags.isEnabled('beta', { userId: '7' })).toBe(true)
    expect(kit.flags.isEnabled('beta', { userId: 'qa-1' })).toBe(false)
    expect(kit.flags.isEnabled('beta', { userId: 'someone' })).toBe(false)
    await kit.flags.enable('beta')
    expect(kit.flags.isEnabled('beta', { userId: 'someone' })).toBe(true)
    expect(kit.flags.isEnabled('beta', { userId: 'qa-1' })).toBe(false)
    expect(kit.flags.get('beta')).toMatchObject({ allow: ['qa-1', '7'], deny: ['qa-1'] })
  })

  it('never loses a concurrent update', async () => {
    const kit = make()
    await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        kit.flags.update('beta', (flag) => ({ enabled: flag?.enabled ?? false, allow: [...(flag?.allow ?? []), `tester-${index}`] })),
      ),
    )
    expect([...(kit.flags.get('beta')?.allow ?? [])].sort()).toEqual(Array.from({ length: 8 }, (_, index) => `tester-${index}`).sort())
    expect(kit.flags.get('beta')?.revision).toBe(8)
  })

  it('falls back to the declared default once a flag’s state is removed', async () => {
    const kit = make({ defaults: { beta: true } })
    await kit.flags.set('beta', { enabled: false })
    expect(kit.flags.isEnabled('beta')).toBe(false)
    expect(await kit.flags.remove('beta')).toBe(true)
    expect(kit.flags.isEnabled('beta')).toBe(true)
    expect(await kit.flags.remove('beta')).toBe(false)
  })

  it('switches maintenance mode on with a notice, and off', async () => {
    const kit = make()
    await kit.flags.load()
    expect(kit.flags.maintenance()).toEqual({ enabled: false, message: undefined })
    await kit.flags.setMaintenance(true, 'Back at 14:00 UTC')
    expect(kit.flags.maintenance()).toEqual({ enabled: true, message: 'Back at 14:00 UTC' })
    await kit.flags.setMaintenance(false)
    expect(kit.flags.maintenance().enabled).toBe(false)
  })

  it('answers checks from memory: no driver call per check once loaded', async () => {
    const driver = target.createDriver()
    const hgetall = vi.spyOn(driver, 'hgetall')
    const kit = make({ refresh: '1h' }, driver)
    await kit.flags.set('beta', { enabled: true, percentage: 50 })
    const callsAfterLoad = hgetall.mock.calls.length
    for (let index = 0; index < 1_000; index++) kit.flags.isEnabled('beta', { userId: index })
    expect(hgetall.mock.calls.length).toBe(callsAfterLoad)
  })

  it('loads in the background on the first check, and check() waits for that first load', async () => {
    // Three instances over one driver (the memory driver's data lives in its instance).
    const [prefix, driver] = [uniquePrefix('flags'), target.createDriver()]
    const writer = make({}, driver, prefix)
    await writer.flags.set('beta', { enabled: true })
    const reader = make({ defaults: { beta: false } }, driver, prefix)
    expect(reader.flags.isEnabled('beta')).toBe(false)
    await vi.waitFor(() => expect(reader.flags.isEnabled('beta')).toBe(true))
    const checker = make({ defaults: { beta: false } }, driver, prefix)
    expect(await checker.flags.check('beta')).toBe(true)
  })

  it('reads a malformed stored state as the default, and reports it', async () => {
    const kit = make({ defaults: { beta: true } })
    const degraded: unknown[] = []
    kit.events.on('degraded', (event) => degraded.push(event))
    await kit.driver.hset(`${kit.namespace.prefix}__flags`, { beta: 'not json', other: '1|{"enabled":true}' })
    await kit.flags.load()
    expect(kit.flags.isEnabled('beta')).toBe(true)
    expect(kit.flags.isEnabled('other')).toBe(true)
    expect(degraded).toEqual([expect.objectContaining({ family: 'flags', operation: 'flags.load' })])
  })

  it('refuses bad names and states with ValidationError', async () => {
    const kit = make()
    await expect(kit.flags.set('', { enabled: true })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.flags.set('has space', { enabled: true })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.flags.set('beta', { enabled: 'yes' as never })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.flags.set('beta', { enabled: true, percentage: 101 })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.flags.set('beta', { enabled: true, allow: [''] })).rejects.toBeInstanceOf(ValidationError)
    await expect(kit.flags.update('beta', () => ({ enabled: true, percentage: -1 }))).rejects.toBeInstanceOf(ValidationError)
    expect(() => make({ defaults: { 'bad name': true } })).toThrow(ValidationError)
    expect(kit.flags.get('beta')).toBeUndefined()
  })
})

describe('flags across instances on real Redis', () => {
  const kits = useKit('redis')
  const make = (prefix: string, flags?: FlagsOptions, driver?: Driver) => kits({ prefix, flags, driver })

  it('reaches other instances at once through pub/sub, long before their refresh interval', async () => {
    const prefix = uniquePrefix('flags')
    const other = make(prefix, { refresh: '1h', defaults: { beta: false } })
    await other.flags.load()
    const admin = make(prefix)
    await admin.flags.set('beta', { enabled: true })
    await vi.waitFor(() => expect(other.flags.isEnabled('beta')).toBe(true), { timeout: 5_000, interval: 10 })
    await admin.flags.setMaintenance(true, 'upgrading')
    await vi.waitFor(() => expect(other.flags.maintenance()).toEqual({ enabled: true, message: 'upgrading' }), {
      timeout: 5_000,
      interval: 10,
    })
  })

  it('reaches instances without pub/sub within their refresh interval', async () => {
    const prefix = uniquePrefix('flags')
    const inner = kits.driver()
    const withoutPubsub: Driver = Object.assign(Object.create(inner) as Driver, { capabilities: { ...inner.capabilities, pubsub: false } })
    const other = make(prefix, { refresh: 100, defaults: { beta: false } }, withoutPubsub)
    await other.flags.load()
    const admin = make(prefix)
    await admin.flags.set('beta', { enabled: true })
    await vi.waitFor(() => expect(other.flags.isEnabled('beta')).toBe(true), { timeout: 5_000, interval: 10 })
  })

  it('buckets every user the same way in every instance', async () => {
    const prefix = uniquePrefix('flags')
    const [first, second] = [make(prefix), make(prefix)]
    await first!.flags.set('new-player', { enabled: true, percentage: 30 })
    await second!.flags.load()
    for (let userId = 0; userId < 500; userId++) {
      expect(second!.flags.isEnabled('new-player', { userId })).toBe(first!.flags.isEnabled('new-player', { userId }))
    }
  })
})

describe('rollout buckets', () => {
  it('are pinned: a change would move users in and out of running rollouts', () => {
    expect([
      rolloutBucket('new-player', '42'),
      rolloutBucket('new-player', '43'),
      rolloutBucket('search-v2', '42'),
      rolloutBucket('x', 'josé'),
    ]).toEqual([3578, 1802, 6979, 1456])
  })

  it('differ between flags, so one flag’s first 10 % are not every flag’s', () => {
    const users = Array.from({ length: 2_000 }, (_, index) => String(index))
    const first = new Set(users.filter((user) => rolloutBucket('a', user) < 1_000))
    const second = users.filter((user) => rolloutBucket('b', user) < 1_000)
    const overlap = second.filter((user) => first.has(user)).length
    expect(overlap).toBeLessThan(second.length * 0.2)
  })
})

describe('flag updates under contention', () => {
  const make = useKit('memory', { label: 'flags' })

  it('give up with a CachekitError rather than loop forever', async () => {
    const kit = make()
    let round = 0
    // Every attempt races a writer that bumps the revision first.
    const stubborn = kit.flags.update('beta', (flag) => {
      void kit.driver.hset(`${kit.namespace.prefix}__flags`, {
        beta: `${(flag?.revision ?? 0) + 100 + round++}|{"enabled":true,"allow":[],"deny":[]}`,
      })
      return { enabled: true }
    })
    await expect(stubborn).rejects.toBeInstanceOf(CachekitError)
  })
})
