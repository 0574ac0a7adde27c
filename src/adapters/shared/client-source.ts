/**
 * Where each framework keeps a request's client address, and which misconfigurations a
 * request reveals. Node servers (Express, Nest on Express or Fastify) already resolve
 * proxies into `req.ip`; Fetch runtimes (Hono, Next.js) have only headers and, maybe, the
 * platform's peer address. Edge-safe.
 */
import type { CachekitWarningCode } from '../../ratelimit/warnings.js'
import { CLIENT_IP_DEFAULTS, forwardedEntries, normalizedIp } from '../../ratelimit/client-ip.js'

/** Reports one misconfiguration (the caller reports each kind once). */
export type ReportWarning = (code: CachekitWarningCode, message: string) => void

/** What a rate-limit middleware learns about a request's origin, from its framework. */
export interface ClientSource<Input> {
  /** How messages name the address: `req.ip`, `the client IP`. */
  readonly name: string
  /** The client's address as the framework's trust settings give it, unchecked. */
  address(input: Input): string | undefined
  /** The `X-Forwarded-For` header, if the request carries one. */
  forwardedFor(input: Input): string | undefined
  /** Reports the misconfigurations this request shows; `address` is what {@link ClientSource.address} gave. */
  inspect(input: Input, address: string | undefined, report: ReportWarning): void
}

/** A request of a Node server: Express's, or Nest's on Express or Fastify. */
export interface NodeRequestLike {
  ip?: string
  headers: Record<string, string | string[] | undefined>
  /** Express only: the app, for its `trust proxy` setting. */
  app?: { get?: (setting: string) => unknown }
}

/** The client as Express (or Fastify) sees it: `req.ip`, which follows its `trust proxy` setting. */
export const nodeRequestClient: ClientSource<NodeRequestLike> = {
  name: 'req.ip',
  address: (req) => req.ip,
  forwardedFor: (req) => headerText(req.headers['x-forwarded-for']),
  inspect(req, address, report) {
    if (address === undefined) {
      report(
        'CLIENT_IP_UNDEFINED',
        'req.ip is undefined (a closed socket, or a server that does not set it): such requests have no client IP to be counted by',
      )
    }
    const trust = typeof req.app?.get === 'function' ? req.app.get('trust proxy') : undefined
    if (trust === true) {
      report(
        'PERMISSIVE_TRUST_PROXY',
        "Express 'trust proxy' is true, so req.ip is the leftmost X-Forwarded-For entry, which any client can write: set it to the number of proxies in front of the app (app.set('trust proxy', 1))",
      )
    } else if ((trust === false || trust === 0) && req.headers['x-forwarded-for'] !== undefined) {
      report(
        'UNTRUSTED_FORWARDED_FOR',
        "X-Forwarded-For is set but Express 'trust proxy' is false, so req.ip is the nearest peer: behind proxies every client shares one count; set 'trust proxy' to the number of proxies in front of the app",
      )
    }
  },
}

/** How a Fetch-runtime middleware finds the client's address. */
export interface FetchClientOptions<Input> {
  /**
   * How many proxies in front of the app append to `X-Forwarded-For` (a load balancer, a
   * CDN, Vercel's edge): the client is the entry the last of them wrote, this many from
   * the right. Entries further left are whatever the client sent, and never count. `0`
   * reads no header: the address comes from `ip`.
   * @default 0
   * @example 1 // on Vercel, or behind one nginx with `proxy_add_x_forwarded_for`
   */
  trustedHops?: number
  /**
   * The platform's address of the peer that connected, when it has one: Hono's
   * `getConnInfo(c).remote.address` (from `@hono/node-server/conninfo`, `hono/bun`,
   * `hono/deno`...), `ipAddress(request)` from `@vercel/functions`, `request.ip` on Next 14.
   * Used when `trustedHops` is 0, or when `X-Forwarded-For` is absent.
   * @default none
   * @example (c) => getConnInfo(c).remote.address
   */
  ip?: (input: Input) => string | null | undefined
}

/** The client of a Fetch-runtime request, read from its headers and the platform's peer address. */
export function fetchClient<Input>(headersOf: (input: Input) => Headers, options: FetchClientOptions<Input>): ClientSource<Input> {
  const trustedHops = options.trustedHops ?? CLIENT_IP_DEFAULTS.trustedHops
  const { ip } = options
  const address = (input: Input): string | undefined =>
    clientIpFromHeaders(headersOf(input).get('x-forwarded-for'), trustedHops, () => ip?.(input) ?? undefined)
  return {
    name: 'the client IP',
    address,
    forwardedFor: (input) => headersOf(input).get('x-forwarded-for') ?? undefined,
    inspect(input, clientAddress, report) {
      if (trustedHops === 0 && headersOf(input).has('x-forwarded-for')) {
        report(
          'UNTRUSTED_FORWARDED_FOR',
          'X-Forwarded-For is set but trustedHops is 0, so it is ignored: behind proxies, set trustedHops to the number of proxies that append to it',
        )
      }
      if (clientAddress === undefined) {
        report(
          'CLIENT_IP_UNDEFINED',
          `no client IP for this request: ${trustedHops === 0 ? 'the ip option gave none' : 'no X-Forwarded-For, and the ip option gave none'}`,
        )
      }
    },
  }
}

/**
 * The client's address from `X-Forwarded-For` behind `trustedHops` appending proxies, else
 * the peer's (the rule of Express's `trust proxy <n>`, where the peer is hop one: the
 * `trustedHops`-th entry from the right, the leftmost when there are fewer, the peer when
 * there are none). `undefined` when that is not an IP address.
 */
export function clientIpFromHeaders(
  forwardedFor: string | null | undefined,
  trustedHops: number,
  peer: () => string | undefined,
): string | undefined {
  const entries = trustedHops > 0 && typeof forwardedFor === 'string' ? forwardedEntries(forwardedFor) : []
  if (entries.length === 0) return normalizedIp(peer())
  return normalizedIp(entries[Math.max(0, entries.length - trustedHops)])
}

/** Checks the Fetch client options once, at setup; `undefined` when they are fine. */
export function fetchClientProblem(options: FetchClientOptions<never>): string | undefined {
  const { trustedHops, ip } = options
  if (trustedHops !== undefined && !(typeof trustedHops === 'number' && Number.isSafeInteger(trustedHops) && trustedHops >= 0)) {
    return `trustedHops must be a non-negative integer, got ${String(trustedHops)}`
  }
  if (ip !== undefined && typeof ip !== 'function') return 'ip must be a function of the request'
  return undefined
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}
