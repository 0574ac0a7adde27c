import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/core/errors/index.js'
import { createNamespace } from '../../src/keys/namespace.js'

describe('createNamespace', () => {
  it('qualifies keys with prefix and environment', () => {
    const namespace = createNamespace({ prefix: 'app', environment: 'prod' })
    expect(namespace.prefix).toBe('app:prod:')
    expect(namespace.key('user:42')).toBe('app:prod:user:42')
    expect(namespace.pattern('user:*')).toBe('app:prod:user:*')
  })

  it('keeps environments apart', () => {
    const prod = createNamespace({ prefix: 'app', environment: 'prod' })
    const dev = createNamespace({ prefix: 'app', environment: 'dev' })
    expect(prod.key('user:42')).not.toBe(dev.key('user:42'))
    expect(dev.strip(prod.key('user:42'))).toBeNull()
  })

  it('accepts a multi-segment prefix, and no prefix at all', () => {
    expect(createNamespace({ prefix: 'shop:eu' }).key('a')).toBe('shop:eu:a')
    expect(createNamespace({ environment: 'test' }).key('a')).toBe('test:a')
    expect(createNamespace().key('a')).toBe('a')
    expect(createNamespace().prefix).toBe('')
  })

  it('strips the prefix from full keys and refuses keys outside it', () => {
    const namespace = createNamespace({ prefix: 'app' })
    expect(namespace.strip('app:user:42')).toBe('user:42')
    expect(namespace.strip('other:user:42')).toBeNull()
  })

  it.each([
    [{ prefix: '' }, 'prefix must be a non-empty string'],
    [{ prefix: 'app:' }, "empty ':' segment"],
    [{ prefix: ':app' }, "empty ':' segment"],
    [{ prefix: 'a::b' }, "empty ':' segment"],
    [{ prefix: 'app{1}' }, 'must not contain "{"'],
    [{ prefix: 'app*' }, 'must not contain "*"'],
    [{ prefix: 'a[b]' }, 'must not contain "["'],
    [{ prefix: 'my app' }, 'must not contain " "'],
    [{ prefix: 'app\\' }, 'must not contain "\\\\"'],
    [{ prefix: '\ud800' }, 'lone UTF-16 surrogate'],
    [{ prefix: 'app', environment: 'prod:eu' }, 'environment must be one segment'],
    [{ prefix: 'app', environment: '' }, 'environment must be a non-empty string'],
    [{ prefix: 7 }, 'prefix must be a non-empty string'],
  ])('refuses %j (%s)', (options, message) => {
    expect(() => createNamespace(options as never)).toThrow(ValidationError)
    expect(() => createNamespace(options as never)).toThrow(message)
  })
})
