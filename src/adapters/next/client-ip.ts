/** `clientIp(request, options)`: the client's address of a Next.js request. Edge-safe. */
import type { FetchClientOptions } from '../shared/client-source.js'
import { fetchClientIp } from '../shared/fetch-rate-limit.js'

/**
 * The client's address, in canonical form: with `trustedHops: n`, the `X-Forwarded-For`
 * entry the last of your `n` proxies wrote (never one the client wrote); else, or without
 * the header, `ip(request)`. `undefined` when there is none or it is not an IP address.
 * Count by `ipKey(clientIp(request, options))`, which groups IPv6 clients by subnet.
 * (`request.ip` is gone from Next 15: on Vercel, `trustedHops: 1` or `ipAddress` from
 * `@vercel/functions`.)
 *
 * @throws {ValidationError} for a bad option.
 * @example clientIp(request, { trustedHops: 1 })
 */
export function clientIp<R extends Request>(request: R, options: FetchClientOptions<R>): string | undefined {
  return fetchClientIp(request, request.headers, options)
}
