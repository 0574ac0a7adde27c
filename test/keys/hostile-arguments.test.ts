/**
 * Every public method of a kit, called with arguments of the wrong kind: each call may
 * answer, or refuse with a CachekitError (a ValidationError for bad input); none may throw
 * a TypeError or RangeError from deep inside, hang, or leave an unhandled rejection.
 * On the memory driver: what is checked here is argument handling, before any storage.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CachekitError } from '../../src/core/errors/index.js'
import { defineKeys, typed } from '../../src/keys/index.js'
import { useKit } from '../support/use-kit.js'

const keys = defineKeys({ item: { template: 'item:{id}', ttl: '1h', value: typed<string>() } })

const makeKit = useKit('memory', {
  prefix: 'hostile-args',
  keys,
  defaultTtl: '1m',
  rateLimits: { api: { algorithm: 'fixed-window', limit: 5, window: '1m' } },
  flags: { defaults: { beta: false } },
})
type Kit = ReturnType<typeof makeKit>

/** The kinds of nonsense a caller passes: wrong types, edge numbers, odd objects. */
const hostile = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    true,
    false,
    0,
    -1,
    1.5,
    Number.NaN,
    Infinity,
    -Infinity,
    '',
    ' ',
    '__lock:x',
    '\ud800',
    'x'.repeat(70_000),
    10n,
  ),
  fc.constantFrom(
    {},
    [],
    [1, 2],
    [null],
    { ttl: 'soon' },
    { ttl: -5 },
    { onError: 'maybe' },
    { tags: 'one' },
    { tags: [1] },
    { jitter: 5 },
    { cost: -1 },
    { mode: 'zap' },
  ),
  fc.constantFrom(
    Symbol('s'),
    new Date(Number.NaN),
    Object.create(null) as object,
    () => undefined,
    () => 'value',
    async () => 'value',
    () => {
      throw new Error('callback failure (expected by the test)')
    },
  ),
  fc.string({ maxLength: 8 }),
  fc.integer(),
)

/** Every public entry point of the kit, by name, taking up to three arguments. */
function entryPoints(kit: Kit): [string, (...args: unknown[]) => unknown][] {
  const call = (target: object, name: string) =>
    [name, (...args: unknown[]) => (target as Record<string, (...a: unknown[]) => unknown>)[name.split('.').pop() as string]!(...args)] as [
      string,
      (...args: unknown[]) => unknown,
    ]
  return [
    ...['getOrSet', 'get', 'has', 'getMany', 'set', 'setMany', 'update', 'delete', 'invalidateTags', 'invalidatePattern', 'keyOf'].map(
      (name) => call(kit.cache, `cache.${name}`),
    ),
    ...['limit', 'limitOrThrow', 'peek', 'reset', 'limiter'].map((name) => call(kit.rateLimits, `rateLimits.${name}`)),
    call(kit, 'invalidate'),
    ...['acquire', 'isLocked', 'forceRelease', 'semaphore', 'withLock']
      .filter((name) => typeof (kit.locks as unknown as Record<string, unknown>)[name] === 'function')
      .map((name) => call(kit.locks, `locks.${name}`)),
    ...['incr', 'decr', 'get', 'getMany', 'reset', 'family', 'leaderboard', 'trending'].map((name) =>
      call(kit.counters, `counters.${name}`),
    ),
    ...['create', 'get', 'touch', 'update', 'destroy', 'list', 'revoke', 'destroyAll'].map((name) =>
      call(kit.sessions, `sessions.${name}`),
    ),
    ...['run', 'forget']
      .filter((name) => typeof (kit.idempotency as unknown as Record<string, unknown>)[name] === 'function')
      .map((name) => call(kit.idempotency, `idempotency.${name}`)),
    ...['isEnabled', 'check', 'get', 'set', 'update', 'enable', 'disable', 'remove', 'setMaintenance'].map((name) =>
      call(kit.flags, `flags.${name}`),
    ),
    ...['publish', 'subscribe'].map((name) => call(kit.channels, `channels.${name}`)),
  ]
}

/** What a call did: answered, or failed with this error. Bounded in time. */
async function outcome(run: () => unknown): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    const result = run()
    if (result instanceof Promise) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the call did not settle within 5 s')), 5_000)
      })
      try {
        await Promise.race([result, hung])
      } finally {
        clearTimeout(timer)
      }
    }
    return { ok: true }
  } catch (error) {
    return { ok: false, error }
  }
}

describe('hostile arguments to every public method', () => {
  let kit: Kit
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  beforeAll(() => {
    kit = makeKit()
    process.on('unhandledRejection', onUnhandled)
  })
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled)
  })

  it('are answered or refused with a CachekitError, never a TypeError, a hang or an unhandled rejection', async () => {
    const points = entryPoints(kit)
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...points), fc.array(hostile, { maxLength: 3 }), async ([name, method], args) => {
        const result = await outcome(() => method(...args))
        // A callback of ours that throws: its own error comes back, as it should.
        const callbackFailure = !result.ok && result.error instanceof Error && result.error.message.includes('expected by the test')
        if (!result.ok && !callbackFailure && !CachekitError.is(result.error)) {
          const error = result.error as Error
          throw new Error(`${name}(${args.map(describeArgument).join(', ')}) threw ${error?.name}: ${error?.message}`)
        }
      }),
      { numRuns: 1_500 },
    )
    expect(unhandled).toEqual([])
  }, 120_000)
})

function describeArgument(value: unknown): string {
  if (typeof value === 'function') return 'function'
  if (typeof value === 'symbol') return 'symbol'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value)
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
