/**
 * The rule that keeps a response cache from serving one user's page to another: a request
 * that carries credentials may only be cached under a key that names its user (the
 * URL-only keying of Nest's CacheInterceptor is the leak this prevents).
 */
import { ValidationError } from '../../core/errors/index.js'
import { escapeParam } from '../../keys/escape.js'

/** Cookie names that usually carry a session: connect.sid, next-auth.session-token, __session, PHPSESSID, sb-…-auth-token, jwt. */
const SESSION_COOKIE = /session|sessid|(^|[^a-z])sid($|[^a-z])|auth|token|jwt/i

/**
 * True when the request carries credentials: an `Authorization` header, or a cookie whose
 * name looks like a session (see `SESSION_COOKIE`).
 */
export function hasCredentials(authorization: string | null | undefined, cookie: string | null | undefined): boolean {
  if (authorization) return true
  if (!cookie) return false
  return cookie.split(';').some((pair) => {
    const name = pair.slice(0, pair.indexOf('=') === -1 ? undefined : pair.indexOf('=')).trim()
    return name !== '' && SESSION_COOKIE.test(name)
  })
}

/** What {@link assertUserScoped} needs to know about one request. */
export interface UserScopeCheck {
  /** The cache key the route asked for. */
  key: string
  /** Who is asking, as the `user` option resolved it. */
  user: string | undefined
  /** The request carries an Authorization header or a session cookie. */
  credentials: boolean
  /** The route declared its response identical for everyone. */
  shared: boolean
}

/**
 * Throws a `ValidationError` when an authenticated request would be cached under a key
 * that does not name its user. The user must appear in the key as a whole segment
 * (delimited by anything but letters, digits, `_` and `-`), so user 1 does not match
 * `page:10`.
 */
export function assertUserScoped({ key, user, credentials, shared }: UserScopeCheck): void {
  if (shared) return
  if (user === undefined) {
    if (!credentials) return
    throw new ValidationError(
      `cache key ${JSON.stringify(key)}: the request carries credentials (an Authorization header or a session cookie) but the \`user\` option named nobody. ` +
        'Return the user from `user`, and put it in the key; or pass `shared: true` if this response is the same for everyone.',
    )
  }
  if (!namesUser(key, user) && !namesUser(key, escapeParam(user))) {
    throw new ValidationError(
      `cache key ${JSON.stringify(key)} does not name the user ${JSON.stringify(user)} of an authenticated request: another user would be served this response. ` +
        'Put the user in the key, or pass `shared: true` if this response is the same for everyone.',
    )
  }
}

function namesUser(key: string, user: string): boolean {
  if (user === '') return false
  let from = 0
  for (;;) {
    const at = key.indexOf(user, from)
    if (at === -1) return false
    const before = at === 0 ? '' : (key[at - 1] as string)
    const after = key[at + user.length] ?? ''
    if (!isWordChar(before) && !isWordChar(after)) return true
    from = at + 1
  }
}

function isWordChar(char: string): boolean {
  return char !== '' && /[A-Za-z0-9_-]/.test(char)
}
