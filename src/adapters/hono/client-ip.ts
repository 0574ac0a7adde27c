/** `clientIp(c, options)`: the client's address of a Hono request. Edge-safe. */
import type { Context } from 'hono'
import type { FetchClientOptions } from '../shared/client-source.js'
import { fetchClientIp } from '../shared/fetch-rate-limit.js'

/**
 * The client's address, in canonical form: with `trustedHops: n`, the `X-Forwarded-For`
 * entry the last of your `n` proxies wrote (never one the client wrote); else, or without
 * the header, `ip(c)`. `undefined` when there is none or it is not an IP address. Count by
 * `ipKey(clientIp(c, options))`, which groups IPv6 clients by subnet.
 *
 * @throws {ValidationError} for a bad option.
 * @example clientIp(c, { ip: (c) => getConnInfo(c).remote.address }) // getConnInfo from '@hono/node-server/conninfo'
 * @example clientIp(c, { trustedHops: 1 })
 */
export function clientIp(c: Context, options: FetchClientOptions<Context>): string | undefined {
  return fetchClientIp(c, c.req.raw.headers, options)
}
