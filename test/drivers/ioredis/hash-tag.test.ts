import { describe, expect, it } from 'vitest'
import { hashSlot } from '../../../src/core/slot.js'
import { literalTagSlot } from '../../../src/drivers/ioredis/hash-tag.js'

describe('literal hash tags in scan patterns', () => {
  it.each([
    ['app:{user:42}:*', 'user:42'],
    ['{t}*', 't'],
    ['app:{a{b}:x?', 'a{b'],
    ['app:{tag}', 'tag'],
  ])('%j can only match keys in the slot of {%s}', (pattern, tag) => {
    expect(literalTagSlot(pattern)).toBe(hashSlot(`{${tag}}`))
  })

  it.each([
    ['no tag', 'app:user:*'],
    ['an empty tag', 'app:{}:*'],
    ['an unclosed tag', 'app:{user:*'],
    ['a glob in the tag', 'app:{user:*}:x'],
    ['a character class in the tag', 'app:{user:[12]}:x'],
    ['an escape in the tag', 'app:{user\\*}:x'],
    // A key like "a{x}{t}" matches "a*{t}" but its hash tag is "x".
    ['a glob before the tag', 'a*{t}'],
    ['a ? before the tag', 'a?{t}'],
    ['an escape before the tag', 'a\\{b{t}'],
  ])('gives no slot for a pattern with %s (%j)', (_, pattern) => {
    expect(literalTagSlot(pattern)).toBeUndefined()
  })
})
