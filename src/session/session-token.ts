/**
 * Session tokens: `<userTag>.<secret>`. The secret is 32 random bytes (Web Crypto), so a
 * token cannot be guessed; the user tag (the first 22 characters of the base64url
 * SHA-256 of the user id, 132 bits) names the hash slot where all of the user's sessions
 * live, so every session script touches one slot without a lookup. Only the SHA-256 of
 * the secret (the session's public handle) is stored: a copy of the Redis data does not
 * hold a single usable token.
 */
import { randomToken, sha256Base64url } from '../core/web-crypto.js'

/** A parsed token. */
export interface SessionToken {
  readonly tag: string
  readonly secret: string
}

const TOKEN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/

/** A new token for a user with tag `tag`. */
export function newToken(tag: string): SessionToken & { readonly text: string } {
  const secret = randomToken(32)
  return { tag, secret, text: `${tag}.${secret}` }
}

/** The token's parts, or `null` for text that no `create()` could have produced. */
export function parseToken(text: string): SessionToken | null {
  const match = TOKEN.exec(text)
  return match === null ? null : { tag: match[1] as string, secret: match[2] as string }
}

/** The hash-slot tag of a user's sessions. */
export async function userTag(userId: string): Promise<string> {
  return (await sha256Base64url(`user:${userId}`)).slice(0, 22)
}

/** The public handle of a session: the SHA-256 of its secret. */
export function handleOf(secret: string): Promise<string> {
  return sha256Base64url(secret)
}
