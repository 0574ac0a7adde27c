/** `clientIp(req)`: the client's address as Express's `trust proxy` setting gives it. */
import type { Request } from 'express'
import { normalizedIp } from '../../ratelimit/client-ip.js'

/**
 * `req.ip` in canonical form (an IPv4-mapped IPv6 address as IPv4), or `undefined` when
 * Express has none or it is not an IP address. `req.ip` follows `app.set('trust proxy', n)`:
 * with `n` proxies in front of the app it is the address the last of them saw, which a
 * client cannot forge; with `true` it is whatever the client wrote first. To count by it,
 * use `ipKey(clientIp(req))`, which groups IPv6 clients by subnet.
 *
 * @example rateLimit(kit, { policy: 'api', key: (req) => req.user?.id ?? ipKey(clientIp(req)) })
 */
export function clientIp(req: Pick<Request, 'ip'>): string | undefined {
  return normalizedIp(req.ip)
}
