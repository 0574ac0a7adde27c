import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hashSlot } from '../../src/core/slot.js'
import { defineKeys } from '../../src/keys/define-keys.js'
import { createNamespace } from '../../src/keys/namespace.js'

const keys = defineKeys({
  profile: { template: 'user:{id}:profile', ttl: '1h', hashTag: 'id' },
  settings: { template: 'user:{id}:settings', ttl: '1h', hashTag: 'id' },
  orders: { template: 'orders:{userId}:{page}', ttl: '5m', hashTag: 'userId' },
  rateWindow: { template: 'rl:{name}:{id}:cur', ttl: '1m', hashTag: ['name', 'id'] },
  ratePrevious: { template: 'rl:{name}:{id}:prev', ttl: '1m', hashTag: ['id', 'name'] },
  plain: { template: 'plain:{id}', ttl: '1m' },
})
const namespace = createNamespace({ prefix: 'app', environment: 'prod' })
const slotOf = (key: { key: string }) => hashSlot(namespace.key(key.key))
// Braces, separators and glob characters included: none of them may reach the hash tag.
const id = fc.oneof(fc.constantFrom('}', '{', '}{', '{x}', ':', '*', '42'), fc.string({ minLength: 1, unit: 'grapheme' }), fc.integer())

describe('hash tags', () => {
  it('wraps the tagged parameter in braces', () => {
    expect(keys.profile({ id: 42 }).key).toBe('user:{42}:profile')
    expect(keys.orders({ userId: 42, page: 3 }).key).toBe('orders:{42}:3')
  })

  it('spans from the first to the last tagged parameter, text between included', () => {
    expect(keys.rateWindow({ name: 'api', id: 42 }).key).toBe('rl:{api:42}:cur')
    expect(keys.ratePrevious({ name: 'api', id: 42 }).key).toBe('rl:{api:42}:prev')
  })

  it('puts every key with the same tag value in one cluster slot, across families', () => {
    fc.assert(
      fc.property(id, fc.integer({ min: 1, max: 1000 }), (userId, page) => {
        const slot = slotOf(keys.profile({ id: userId }))
        expect(slotOf(keys.settings({ id: userId }))).toBe(slot)
        expect(slotOf(keys.orders({ userId, page }))).toBe(slot)
      }),
      { numRuns: 300 },
    )
  })

  it('groups multi-parameter tags by all their values', () => {
    fc.assert(
      fc.property(id, id, (name, windowId) => {
        expect(slotOf(keys.rateWindow({ name, id: windowId }))).toBe(slotOf(keys.ratePrevious({ name, id: windowId })))
      }),
    )
  })

  it('hashes on exactly the escaped tag value, whatever braces the value holds', () => {
    fc.assert(
      fc.property(id, (userId) => {
        const key = namespace.key(keys.profile({ id: userId }).key)
        const open = key.indexOf('{')
        const close = key.indexOf('}', open + 1)
        expect(key.indexOf('{', open + 1)).toBe(-1)
        expect(close).toBe(key.lastIndexOf('}'))
        expect(hashSlot(key)).toBe(hashSlot(key.slice(open + 1, close)))
      }),
      { numRuns: 300 },
    )
  })

  it('leaves keys without a hash tag brace-free, so they hash on the whole key', () => {
    fc.assert(
      fc.property(id, (value) => {
        const key = namespace.key(keys.plain({ id: value }).key)
        expect(key).not.toMatch(/[{}]/)
      }),
    )
  })

  it('spreads different tag values over many slots', () => {
    const slots = new Set(Array.from({ length: 200 }, (_, n) => slotOf(keys.profile({ id: n }))))
    expect(slots.size).toBeGreaterThan(190)
  })
})
