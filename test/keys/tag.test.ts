import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/core/errors/index.js'
import { defineKeys, typed } from '../../src/keys/index.js'
import { isTag } from '../../src/keys/tag.js'
import { useKit } from '../support/use-kit.js'

// A lone surrogate has no UTF-8 form: it would be stored as U+FFFD, and 'a\ud800' and
// 'a\udbff' would share one stamp.
const LONE_HIGH = 'video:\ud800'
const LONE_LOW = 'video:\udc00'

describe('isTag', () => {
  it.each([['video:1'], ['ünïcode ✓'], ['pair \ud83d\ude00']])('accepts %j', (tag) => {
    expect(isTag(tag)).toBe(true)
  })

  it.each([[''], [LONE_HIGH], [LONE_LOW], ['\udc00\ud800'], [42], [null], [undefined], [['video']]])('refuses %j', (tag) => {
    expect(isTag(tag)).toBe(false)
  })
})

describe('a tag with a lone UTF-16 surrogate is refused with a ValidationError wherever a tag enters', () => {
  const make = useKit('memory', { label: 'tag-names' })

  it('in the fixed tags of defineKeys', () => {
    const define = () => defineKeys({ video: { template: 'video:{id}', ttl: '1h', tags: ['videos', LONE_HIGH] } })
    expect(define).toThrow(ValidationError)
    expect(define).toThrow('keys.video.tags must be a list of non-empty strings (with no lone UTF-16 surrogate)')
  })

  it('in what a family’s tags() returns', () => {
    // Cutting a string by UTF-16 length can split a pair: the emoji's first half is left.
    const keys = defineKeys({ title: { template: 'title:{name}', ttl: '1h', tags: ({ name }) => [`initial:${String(name).slice(0, 1)}`] } })
    expect(() => keys.title({ name: 'Boo' })).not.toThrow()
    expect(() => keys.title({ name: '\ud83d\ude00 party' })).toThrow(ValidationError)
    expect(() => keys.title({ name: '\ud83d\ude00 party' })).toThrow('tags must be non-empty, well-formed strings')
  })

  it('in the tags of a set', async () => {
    const keys = defineKeys({ video: { template: 'video:{id}', ttl: '1h', value: typed<string>() } })
    const kit = make({ keys })
    const error = await kit.cache.set(keys.video({ id: 1 }), 'one', { tags: [LONE_LOW] }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).code).toBe('VALIDATION_ERROR')
    expect(await kit.cache.get(keys.video({ id: 1 }))).toBeUndefined()
  })

  it('in invalidateTags', async () => {
    const kit = make()
    const error = await kit.cache.invalidateTags([LONE_HIGH]).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).code).toBe('VALIDATION_ERROR')
  })
})
