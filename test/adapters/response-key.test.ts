/**
 * The key shape every response cache uses (Express, Next.js and Hono in the `http` space,
 * Nest in `nest`): a property test that no route key, URL, user id or header value can
 * spell the key of another scope, user, route or header value. The adapters' own tests
 * check that each adapter stores under exactly this shape.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { responseKey, type ResponseKeyParts, type ResponseScope, type VariedHeader } from '../../src/adapters/shared/response-key.js'
import { hasCredentials, resolveScope } from '../../src/adapters/shared/user-scope.js'
import { ValidationError } from '../../src/core/errors/index.js'
import { unescapeParam } from '../../src/keys/escape.js'
import { hasReservedSegment } from '../../src/keys/reserved.js'

/** Pieces of the key syntax itself, so generated strings try hard to forge a segment. */
const fragments = [
  ':',
  '~',
  '~u',
  '~anon',
  '~shared',
  '%',
  '%3A',
  '%25',
  '=',
  ':~u:',
  ':~anon',
  ':~shared',
  'ada',
  'user',
  '1',
  'http',
  'nest',
  '/me/feed?page=2',
  ' ',
  '*',
  '{',
  '}',
  'é',
  '\u0000',
]
const forged = fc.array(fc.constantFrom(...fragments), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''))
const text = fc.oneof(
  forged,
  fc.string({ minLength: 1 }),
  fc.string({ minLength: 1, unit: 'binary' }).filter((value) => value.isWellFormed()),
)
const tokenChars = [..."!#$%&'*+.^_`|~0123456789abcdefghijklmnopqrstuvwxyz-"]
const headerName = fc.oneof(
  fc.constantFrom('accept-language', 'origin', 'x-tenant', '~u', '%3a', 'a*'),
  fc.array(fc.constantFrom(...tokenChars), { minLength: 1, maxLength: 6 }).map((chars) => chars.join('')),
)
const headerValue = fc.oneof(fc.constant(undefined), fc.constant(''), text)
const scope: fc.Arbitrary<ResponseScope> = fc.oneof(
  fc.constant({ kind: 'anonymous' } as const),
  fc.constant({ kind: 'shared' } as const),
  text.map((user) => ({ kind: 'user', user }) as const),
)
const parts: fc.Arbitrary<ResponseKeyParts> = fc.record({
  space: fc.constantFrom('http', 'nest'),
  base: text,
  scope,
  varied: fc.array(
    fc.tuple(headerName, headerValue).map(([name, value]): VariedHeader => [name, value]),
    { maxLength: 3 },
  ),
})

describe('responseKey', () => {
  it('reads back to exactly the parts it was built from, so two different requests never share a key', () => {
    fc.assert(
      fc.property(parts, (built) => {
        expect(readBack(responseKey(built))).toEqual(built)
      }),
      { numRuns: 3000 },
    )
  })

  it('gives different keys to any two different sets of parts', () => {
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b))
        expect(responseKey(a)).not.toBe(responseKey(b))
      }),
      { numRuns: 3000 },
    )
  })

  it("never lets an anonymous or shared request reach a user's key, whatever route key or URL it sends", () => {
    fc.assert(
      fc.property(parts, fc.constantFrom('anonymous', 'shared' as const), (victim, kind) => {
        fc.pre(victim.scope.kind === 'user')
        const target = responseKey(victim)
        // The attack of the issue: send, as the route key or URL, any leading part of the
        // victim's key (`/me/feed?page=2:user:ada`), with or without the victim's headers.
        const tail = target.slice(victim.space.length + 1)
        for (let cut = tail.indexOf(':'); cut !== -1; cut = tail.indexOf(':', cut + 1)) {
          for (const varied of [[], victim.varied]) {
            expect(responseKey({ space: victim.space, base: tail.slice(0, cut), scope: { kind }, varied })).not.toBe(target)
            expect(responseKey({ space: victim.space, base: unescapeOrSelf(tail.slice(0, cut)), scope: { kind }, varied })).not.toBe(target)
          }
        }
      }),
      { numRuns: 2000 },
    )
  })

  it("never makes a segment starting with '__', which belongs to cachekit's features (of this kit or a nested one)", () => {
    fc.assert(
      fc.property(parts, (p) => {
        expect(hasReservedSegment(responseKey(p))).toBe(false)
      }),
      { numRuns: 2_000 },
    )
    expect(responseKey({ space: 'http', base: '__lock', scope: { kind: 'user', user: '__u' }, varied: [['__h', '__v']] })).toBe(
      'http:%5F_lock:~u:%5F_u:%5F_h=__v',
    )
  })

  it('keeps what it escapes readable: ids and paths stay as they are', () => {
    expect(responseKey({ space: 'http', base: 'page:feed', scope: { kind: 'user', user: 'ada' }, varied: [] })).toBe(
      'http:page%3Afeed:~u:ada',
    )
    expect(responseKey({ space: 'nest', base: '/me/feed?page=2:user:ada', scope: { kind: 'anonymous' }, varied: [] })).toBe(
      'nest:/me/feed%3Fpage=2%3Auser%3Aada:~anon',
    )
    expect(
      responseKey({
        space: 'http',
        base: 'greeting',
        scope: { kind: 'shared' },
        varied: [
          ['accept-language', 'fr'],
          ['origin', undefined],
          ['x-tenant', ''],
        ],
      }),
    ).toBe('http:greeting:~shared:accept-language=fr:origin:x-tenant=')
  })
})

describe('hasCredentials', () => {
  const headers = (values: Record<string, string>) => (name: string) => values[name]
  it('counts any Cookie or Authorization header, whatever the cookie is called', () => {
    expect(hasCredentials(headers({ cookie: 'uid=ada' }))).toBe(true)
    expect(hasCredentials(headers({ cookie: 'theme=dark' }))).toBe(true)
    expect(hasCredentials(headers({ authorization: 'Basic YWRhOnB3' }))).toBe(true)
    expect(hasCredentials(headers({ cookie: '  ', 'x-api-key': 'k' }))).toBe(false)
  })
})

describe('resolveScope', () => {
  it('puts a shared route, a known user, an anonymous request and an unknown credentialed one apart', () => {
    expect(resolveScope({ shared: true, who: 'ada', credentials: true })).toEqual({ kind: 'shared' })
    expect(resolveScope({ shared: false, who: 42, credentials: false })).toEqual({ kind: 'user', user: '42' })
    expect(resolveScope({ shared: false, who: undefined, credentials: false })).toEqual({ kind: 'anonymous' })
    expect(resolveScope({ shared: false, who: '', credentials: true })).toBeUndefined()
    expect(resolveScope({ shared: false, who: undefined, credentials: true })).toBeUndefined()
  })

  it('takes null for "signed out, whatever the cookies": anonymous even with credentials', () => {
    expect(resolveScope({ shared: false, who: null, credentials: true })).toEqual({ kind: 'anonymous' })
  })

  it('refuses a user that is not an id, since every such user would share one entry', () => {
    for (const who of [{ id: 'ada' }, ['ada'], true, Number.NaN]) {
      expect(() => resolveScope({ shared: false, who, credentials: true })).toThrow(ValidationError)
    }
  })
})

function unescapeOrSelf(text: string): string {
  try {
    return unescapeParam(text)
  } catch {
    return text
  }
}

/** One segment back: a leading `%5F` stands for the `_` of a segment that started with `__`. */
function readSegment(text: string): string {
  return unescapeParam(text.startsWith('%5F_') ? `_${text.slice(3)}` : text)
}

/** The inverse of responseKey: split at `:` (no escaped part holds one) and unescape. */
function readBack(key: string): ResponseKeyParts {
  const segments = key.split(':')
  const [space, base, marker] = segments as [ResponseKeyParts['space'], string, string]
  let rest = segments.slice(3)
  let scope: ResponseScope
  if (marker === '~anon') scope = { kind: 'anonymous' }
  else if (marker === '~shared') scope = { kind: 'shared' }
  else if (marker === '~u') {
    scope = { kind: 'user', user: readSegment(rest[0] as string) }
    rest = rest.slice(1)
  } else throw new Error(`no scope in ${key}`)
  const varied = rest.map((segment): VariedHeader => {
    const equals = segment.indexOf('=')
    if (equals === -1) return [readSegment(segment), undefined]
    const value = segment.slice(equals + 1)
    return [readSegment(segment.slice(0, equals)), value === '' ? '' : unescapeParam(value)]
  })
  return { space, base: readSegment(base), scope, varied }
}
