/**
 * Where an identifier's rate-limit state lives: `${prefix}__rl:{<policy>:<escaped id>}`
 * plus a suffix per key. The braces make `<policy>:<escaped id>` the cluster hash tag, so
 * every key of one identifier lands in one slot and each check is one script on one node.
 * Identifiers go through `escapeParam`, so an IP, an e-mail or any hostile string can
 * neither collide with another identifier nor open, close or forge a hash tag.
 */
import { ValidationError } from '../core/errors/index.js'
import { escapeParam } from '../keys/escape.js'
import { RATE_LIMIT_DEFAULTS } from './policy.js'

/** What identifies who is limited: a user id, an API key, an IP address, an e-mail. */
export type RateLimitIdentifier = string | number

/**
 * The escaped form of an identifier. Strings must be non-empty, well-formed and at most
 * 1,024 characters (hash longer ones first); numbers must be finite.
 *
 * @throws {ValidationError} for anything else.
 * @example escapeIdentifier('2001:db8::1') // '2001%3Adb8%3A%3A1'
 */
export function escapeIdentifier(identifier: RateLimitIdentifier): string {
  if (typeof identifier !== 'string' && typeof identifier !== 'number') {
    throw new ValidationError(`rate limit identifier must be a string or a number, got ${identifier === null ? 'null' : typeof identifier}`)
  }
  if (typeof identifier === 'string' && identifier.length > RATE_LIMIT_DEFAULTS.maxIdentifierLength) {
    throw new ValidationError(
      `rate limit identifier must be at most ${RATE_LIMIT_DEFAULTS.maxIdentifierLength} characters, got ${identifier.length}; hash longer ones first`,
    )
  }
  return escapeParam(identifier, 'rate limit identifier')
}

/**
 * The base key of one identifier under one policy; algorithms add their suffixes.
 *
 * @example rateLimitBaseKey('app:prod:', 'login', 'ada@example.com') // 'app:prod:__rl:{login:ada@example.com}'
 */
export function rateLimitBaseKey(namespacePrefix: string, policy: string, escapedIdentifier: string): string {
  return `${namespacePrefix}__rl:{${policy}:${escapedIdentifier}}`
}
