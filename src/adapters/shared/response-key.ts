/**
 * The one key shape of every response cache (Express, Next.js, Hono and Nest): the route's
 * key, whose response it is (anybody without credentials, everybody, or one user) and the
 * values of the varied request headers, each in a segment of its own.
 *
 * ```
 * <space>:<base>:~anon[:<vary>]...       a request without credentials
 * <space>:<base>:~shared[:<vary>]...     a route marked `shared: true`
 * <space>:<base>:~u:<user>[:<vary>]...   one user's response
 * ```
 *
 * `base` (the route's key, or Nest's URL), `user` and every header name and value are
 * escaped with `escapeParam`, which leaves no `:` and is injective; a varied header is
 * `<name>=<value>`, or `<name>` alone when the request lacks it. Split at `:`, a key
 * therefore reads back one way only: segment 0 the space, 1 the base, 2 the scope, 3 the
 * user when the scope is `~u`, then one segment per header (names are tokens: no `=`). So no
 * URL, route key, user id or header value can spell the key of another scope, another user
 * or another base (test/adapters/response-key.test.ts checks it with fast-check).
 */
import { escapeParam } from '../../keys/escape.js'

/**
 * What the entries of a key space hold: `http` whole HTTP responses (Express, Next.js and
 * Hono share the stored shape), `nest` the results of Nest handlers.
 */
export type ResponseKeySpace = 'http' | 'nest'

/** Whose response an entry is. */
export type ResponseScope = { readonly kind: 'anonymous' } | { readonly kind: 'shared' } | { readonly kind: 'user'; readonly user: string }

/** A request header the response depends on, with the request's value (`undefined`: absent). */
export type VariedHeader = readonly [name: string, value: string | undefined]

/** Everything a response key is made of. */
export interface ResponseKeyParts {
  readonly space: ResponseKeySpace
  /** The route's key, or the URL: any non-empty, well-formed string. */
  readonly base: string
  readonly scope: ResponseScope
  /** Lower-case header names (HTTP tokens) with their values, in the route's order. */
  readonly varied: readonly VariedHeader[]
}

/**
 * The key of one response entry, below the kit's namespace.
 * @throws {ValidationError} for an empty base or user, or one with a lone UTF-16 surrogate.
 * @example responseKey({ space: 'http', base: 'page:feed', scope: { kind: 'user', user: 'ada' }, varied: [] }) // 'http:page%3Afeed:~u:ada'
 */
export function responseKey({ space, base, scope, varied }: ResponseKeyParts): string {
  let key = `${space}:${segment(base, 'response cache key')}:${scopeSegments(scope)}`
  for (const [name, value] of varied)
    key += `:${segment(name, 'vary header name')}${value === undefined ? '' : `=${value === '' ? '' : escapeParam(value, `${name} header`)}`}`
  return key
}

/**
 * One escaped segment. A segment starting with `__` belongs to cachekit's features (of this
 * kit or a nested one, see keys/reserved.ts): its leading `_` is written `%5F`, which
 * escapeParam never produces for a `_`, so the encoding stays injective.
 */
function segment(text: string, what: string): string {
  const escaped = escapeParam(text, what)
  return escaped.startsWith('__') ? `%5F${escaped.slice(1)}` : escaped
}

function scopeSegments(scope: ResponseScope): string {
  switch (scope.kind) {
    case 'anonymous':
      return '~anon'
    case 'shared':
      return '~shared'
    case 'user':
      return `~u:${segment(scope.user, 'user')}`
  }
}
