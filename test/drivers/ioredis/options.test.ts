import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../../src/core/errors/index.js'
import { ioredisDriver, type IoredisDriverOptions } from '../../../src/drivers/ioredis/index.js'

// Every case here fails validation before a connection is created, so no server is needed.
const build = (options: unknown) => () => ioredisDriver(options as IoredisDriverOptions)

describe('ioredisDriver options', () => {
  it.each([
    ['nothing', undefined],
    ['an empty object', {}],
    ['two sources', { url: 'redis://127.0.0.1:1', cluster: ['127.0.0.1:2'] }],
    ['a non-string url', { url: 42 }],
    ['an http url', { url: 'http://127.0.0.1:1' }],
    ['a url that is not a URL', { url: 'localhost 6379' }],
    ['redisOptions that are not an object', { url: 'redis://127.0.0.1:1', redisOptions: 'fast' }],
    ['redisOptions without url', { cluster: ['127.0.0.1:1'], redisOptions: {} }],
    ['clusterOptions without cluster', { url: 'redis://127.0.0.1:1', clusterOptions: {} }],
    ['an empty cluster', { cluster: [] }],
    ['a cluster node without a port', { cluster: ['127.0.0.1'] }],
    ['a cluster node with a bad port', { cluster: [{ host: '127.0.0.1', port: 70000 }] }],
    ['a cluster node without a host', { cluster: [{ port: 7000 }] }],
    ['something that is not a client', { client: { get: () => null } }],
    ['a zero commandTimeoutMs', { url: 'redis://127.0.0.1:1', commandTimeoutMs: 0 }],
    ['an infinite commandTimeoutMs', { url: 'redis://127.0.0.1:1', commandTimeoutMs: Number.POSITIVE_INFINITY }],
    ['a string connectTimeoutMs', { url: 'redis://127.0.0.1:1', connectTimeoutMs: '2s' }],
    ['a keyPrefix', { url: 'redis://127.0.0.1:1', redisOptions: { keyPrefix: 'app:' } }],
    ['stringNumbers', { url: 'redis://127.0.0.1:1', redisOptions: { stringNumbers: true } }],
    ['a keyPrefix on cluster nodes', { cluster: ['127.0.0.1:1'], clusterOptions: { redisOptions: { keyPrefix: 'app:' } } }],
    ['a non-function onHandlerError', { url: 'redis://127.0.0.1:1', onHandlerError: 'log' }],
  ])('refuses %s with ValidationError', (_, options) => {
    expect(build(options)).toThrow(ValidationError)
  })

  it('never repeats the url (it may hold a password) in its message', () => {
    const error = (() => {
      try {
        ioredisDriver({ url: 'http://user:hunter2-secret@127.0.0.1:1' })
      } catch (caught) {
        return caught as Error
      }
    })()
    expect(error).toBeInstanceOf(ValidationError)
    expect(error?.message).not.toContain('hunter2-secret')
  })

  it('refuses a client it cannot serve correctly, and connectTimeoutMs for a client it does not configure', () => {
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: 'app:' })
    const stringNumbers = new Redis({ lazyConnect: true, stringNumbers: true })
    const plain = new Redis({ lazyConnect: true })
    try {
      expect(build({ client: prefixed })).toThrow(/keyPrefix/)
      expect(build({ client: stringNumbers })).toThrow(/stringNumbers/)
      expect(build({ client: plain, connectTimeoutMs: 100 })).toThrow(ValidationError)
      expect(plain.status).toBe('wait')
    } finally {
      for (const client of [prefixed, stringNumbers, plain]) client.disconnect()
    }
  })
})
