/**
 * Who a rate-limit middleware counts: its `key`, or by default the client's IP address as
 * the framework's trust settings give it, IPv6 grouped by subnet. A request without a key
 * is an error unless the options say otherwise: it never joins one bucket shared by every
 * client. The usual misconfigurations are reported as `warning` events, once each.
 * Edge-safe.
 */
import { ValidationError } from '../../core/errors/index.js'
import type { RateLimitIdentifier } from '../../ratelimit/keys.js'
import type { AnyCachekit } from './any-kit.js'
import {
  forwardedEntries,
  ipKey,
  ipv6SubnetProblem,
  isIpv6Address,
  looksLikeIpKey,
  normalizedIp,
  type IpKeyOptions,
} from '../../ratelimit/client-ip.js'
import type { ClientSource, ReportWarning } from './client-source.js'
import { alreadyWarned, warnOnce } from './warn-once.js'

/** What a `key` function may answer; `undefined`, `null` and `''` mean "no key". */
export type RateLimitKeyResult = RateLimitIdentifier | null | undefined

/** The options that say who is counted, shared by every rate-limit middleware. */
export interface RateLimitKeyOptions<Input> extends IpKeyOptions {
  /**
   * Who is counted: a user id, a verified API key, a tenant. Anything the client sends
   * unverified (an invented `X-Api-Key`, a header the client can set) lets one client
   * count as many. May be async.
   * @default the client's IP address, as the framework's trust settings give it, IPv6 grouped by `ipv6Subnet`
   * @example (req) => req.user?.id ?? ipKey(req.ip)
   */
  key?: (input: Input) => RateLimitKeyResult | Promise<RateLimitKeyResult>
  /**
   * A request whose key is `undefined`, `null` or `''` (or, by default, that has no client
   * IP): `'error'` rejects it with a `ValidationError` (to `next(err)`, `onError`, the
   * caller); `'allow'` lets it through uncounted and without rate-limit headers (only
   * safe where a client cannot make its key go missing). Never one shared count.
   * @default 'error'
   * @example 'allow' // e.g. a health check over a Unix socket, which has no client IP
   */
  onMissingKey?: 'error' | 'allow'
}

/** Defaults of the key options. */
const RATE_LIMIT_KEY_DEFAULTS = Object.freeze({ onMissingKey: 'error' as 'error' | 'allow' })

/** The checked key options of one limiter. */
export interface RateLimitKey<Input> {
  /**
   * The identifier to count this request under, or `undefined` for a request let through
   * uncounted (`onMissingKey: 'allow'`).
   * @throws {ValidationError} for a missing key under `onMissingKey: 'error'`.
   */
  identify(input: Input): Promise<RateLimitIdentifier | undefined>
}

/**
 * Checks the key options once, at setup. `where` names the middleware in messages. Without
 * `key`, an adapter's `known` identity (Nest: the user) comes first, then the client IP.
 * @throws {ValidationError} for a key that is not a function, a bad `onMissingKey` or `ipv6Subnet`.
 */
export function rateLimitKey<Input>(
  kit: AnyCachekit,
  policy: string,
  options: RateLimitKeyOptions<Input>,
  client: ClientSource<Input>,
  where: string,
  known?: (input: Input) => RateLimitKeyResult,
): RateLimitKey<Input> {
  checkKeyOptions(options, where)
  const { key, ipv6Subnet } = options
  const onMissingKey = options.onMissingKey ?? RATE_LIMIT_KEY_DEFAULTS.onMissingKey

  const limiterScope = {}
  const reportKitWide: ReportWarning = (code, message) => warnOnce(kit, kit, { code, message, policy })
  const report: ReportWarning = (code, message) => warnOnce(kit, limiterScope, { code, message, policy })
  const missing = (why: string): undefined => {
    if (onMissingKey === 'allow') return undefined
    throw new ValidationError(
      `${where} (policy "${policy}"): ${why}, so the request cannot be counted; return an identifier, or set onMissingKey: 'allow' to let such requests through uncounted`,
    )
  }

  return {
    async identify(input) {
      if (key === undefined) {
        const identity = known?.(input)
        if (identity !== undefined && identity !== null && identity !== '') return identity
        const address = client.address(input)
        client.inspect(input, address, reportKitWide)
        // The address is not quoted: it may be text a client wrote.
        return ipKey(address, { ipv6Subnet }) ?? missing(`${client.name} is ${address === undefined ? 'undefined' : 'not an IP address'}`)
      }
      const identifier = await key(input)
      if (identifier === undefined || identifier === null || identifier === '')
        return missing(`the key function returned ${identifier === '' ? "''" : String(identifier)}`)
      // A key that is an IP address depends on the trust settings too, and may be one of the usual mistakes.
      if (typeof identifier === 'string' && looksLikeIpKey(identifier)) {
        const address = client.address(input)
        client.inspect(input, address, reportKitWide)
        inspectIpIdentifier(identifier, input, address, client, ipv6Subnet, limiterScope, report)
      }
      return identifier
    },
  }
}

/**
 * Checks the key options, for adapters that learn the kit later than the options.
 * @throws {ValidationError} for a key that is not a function, a bad `onMissingKey` or `ipv6Subnet`.
 */
export function checkKeyOptions(options: RateLimitKeyOptions<never>, where: string): void {
  const { key, onMissingKey, ipv6Subnet } = options
  if (key !== undefined && typeof key !== 'function') throw new ValidationError(`${where}: key must be a function of the request`)
  if (onMissingKey !== undefined && onMissingKey !== 'error' && onMissingKey !== 'allow') {
    throw new ValidationError(`${where}: onMissingKey must be 'error' or 'allow', got ${JSON.stringify(onMissingKey)}`)
  }
  const subnetProblem = ipv6SubnetProblem(ipv6Subnet)
  if (subnetProblem !== undefined) throw new ValidationError(`${where}: ${subnetProblem}`)
}

/** The two mistakes of keys written by hand: IPv6 counted per address, an address the client wrote. */
function inspectIpIdentifier<Input>(
  identifier: string,
  input: Input,
  address: string | undefined,
  client: ClientSource<Input>,
  ipv6Subnet: number | false | undefined,
  scope: object,
  report: ReportWarning,
): void {
  if (ipv6Subnet !== false && !alreadyWarned(scope, 'UNGROUPED_IPV6_KEY') && isIpv6Address(identifier)) {
    report(
      'UNGROUPED_IPV6_KEY',
      'the key function returned a single IPv6 address: one client holds a whole /56 or more and can rotate through them; return ipKey(ip) to count IPv6 clients by subnet',
    )
  }
  if (alreadyWarned(scope, 'FORGEABLE_KEY')) return
  const forwardedFor = client.forwardedFor(input)
  if (forwardedFor === undefined) return
  const trusted = normalizedIp(address)
  if (trusted !== undefined && (identifier === trusted || identifier === ipKey(trusted, { ipv6Subnet }))) return
  const written =
    forwardedFor.trim() === identifier ||
    forwardedEntries(forwardedFor).some((entry) => entry === identifier || ipKey(entry, { ipv6Subnet }) === identifier)
  if (written) {
    report(
      'FORGEABLE_KEY',
      `the key function returned an X-Forwarded-For address that no trusted proxy wrote: any client can send a new one with each request; count by ${client.name} instead`,
    )
  }
}
