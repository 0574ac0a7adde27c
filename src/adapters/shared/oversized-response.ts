/**
 * The response caches' body cap: a response larger than `maxBodyBytes` is sent whole and
 * never stored, and a `warning` event says so once per middleware (or Nest route), so a
 * route that streams 500 MB is neither held in memory nor written to Redis. Edge-safe.
 */
import { warnOnce, type WarningKit } from './warn-once.js'

// Route keys and Nest URLs may hold text a client wrote: messages quote a bounded part.
const QUOTED_ROUTE_LENGTH = 200

/** Says, once for `scope` (a middleware, a Nest route), that a response of `route` was too large to store. */
export function warnResponseTooLarge(kit: WarningKit, scope: object, route: string, maxBodyBytes: number): void {
  const quoted = JSON.stringify(route.length > QUOTED_ROUTE_LENGTH ? `${route.slice(0, QUOTED_ROUTE_LENGTH)}...` : route)
  warnOnce(kit, scope, {
    code: 'RESPONSE_TOO_LARGE',
    route,
    message: `the response for ${quoted} is larger than maxBodyBytes (${maxBodyBytes} bytes): it was sent whole but not stored, so such requests run the route each time; raise maxBodyBytes for this route, or do not cache it`,
  })
}

/** True when a declared `Content-Length` is already over the cap: then no byte needs holding. */
export function declaredTooLarge(contentLength: string | number | null | undefined, maxBodyBytes: number): boolean {
  if (contentLength === null || contentLength === undefined) return false
  const declared = Number(contentLength)
  return Number.isFinite(declared) && declared > maxBodyBytes
}
