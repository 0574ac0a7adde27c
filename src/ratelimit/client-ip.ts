/**
 * Who a request comes from, as far as the server can know it: IP addresses parsed without
 * `node:net` (edge-safe), IPv6 clients grouped by subnet, and the client's address picked
 * out of `X-Forwarded-For` (the adapters' client-source.ts says which entry counts).
 */

/** Defaults of the IP helpers. */
export const CLIENT_IP_DEFAULTS = Object.freeze({ ipv6Subnet: 56, trustedHops: 0 })

/** How {@link ipKey} groups IPv6 clients. */
export interface IpKeyOptions {
  /**
   * The prefix length IPv6 addresses are grouped by: one subscriber commonly holds a whole
   * /56 (or /48, /64), so counting single addresses lets one client rotate through
   * billions of them. An integer from 32 to 64, or `false` to count every address alone.
   * @default 56
   * @example 64
   */
  ipv6Subnet?: number | false
}

/**
 * The rate-limit key of an IP address: IPv4 as it is (an IPv4-mapped IPv6 address such as
 * `::ffff:203.0.113.7` becomes `203.0.113.7`), IPv6 as its /56 network in canonical form
 * (`2001:db8:ab:cd00::/56`), so every address of one subscriber shares one count. The
 * same keys as express-rate-limit's `ipKeyGenerator`. `undefined` for anything that is
 * not an IP address, so a missing or garbled address is never a bucket of its own.
 *
 * @example ipKey('2001:db8:ab:cd12::1') // '2001:db8:ab:cd00::/56'
 * @example ipKey(req.ip, { ipv6Subnet: 64 })
 */
export function ipKey(ip: string | null | undefined, options: IpKeyOptions = {}): string | undefined {
  const subnet = options.ipv6Subnet ?? CLIENT_IP_DEFAULTS.ipv6Subnet
  const address = parseIp(ip)
  if (address === undefined) return undefined
  if (address.version === 4) return address.text
  return subnet === false ? formatIpv6(address.groups) : `${formatIpv6(maskIpv6(address.groups, subnet))}/${subnet}`
}

/** The addresses of an `X-Forwarded-For` header, trimmed, without empty entries. */
export function forwardedEntries(header: string): string[] {
  return header
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
}

/** The canonical text of an IP address (IPv4-mapped IPv6 as IPv4), or `undefined` for anything else. */
export function normalizedIp(text: string | null | undefined): string | undefined {
  const address = parseIp(text)
  if (address === undefined) return undefined
  return address.version === 4 ? address.text : formatIpv6(address.groups)
}

/** True for a single IPv6 address (not IPv4-mapped): what a key must not count alone. */
export function isIpv6Address(text: string): boolean {
  return parseIp(text)?.version === 6
}

/** True for an address or a network in the form {@link ipKey} gives (`2001:db8::/56`). */
export function looksLikeIpKey(text: string): boolean {
  const slash = text.lastIndexOf('/')
  return parseIp(slash === -1 ? text : text.slice(0, slash)) !== undefined
}

/** Checks the `ipv6Subnet` option once, at setup; `undefined` when it is fine. */
export function ipv6SubnetProblem(value: unknown): string | undefined {
  if (value === undefined || value === false) return undefined
  if (typeof value === 'number' && Number.isInteger(value) && value >= 32 && value <= 64) return undefined
  return `ipv6Subnet must be an integer from 32 to 64, or false, got ${String(value)}`
}

type IpAddress = { version: 4; text: string } | { version: 6; groups: number[] }

const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
const IPV4 = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`)
const IPV4_PART = new RegExp(`^${IPV4_OCTET}$`)
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/
// Longer than any address with a port, brackets and a zone: refuse before splitting.
const MAX_ADDRESS_LENGTH = 100

/**
 * Parses an IPv4 or IPv6 address, as a proxy may write it: trimmed, IPv6 possibly in
 * brackets and with a zone (`fe80::1%eth0`), either possibly with a port.
 */
function parseIp(input: string | null | undefined): IpAddress | undefined {
  if (typeof input !== 'string' || input.length > MAX_ADDRESS_LENGTH) return undefined
  // The common case, a plain IPv4 address, without splitting or trimming.
  if (IPV4.test(input)) return { version: 4, text: input }
  let text = input.trim()
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text)
  if (bracketed) text = bracketed[1] as string
  else if (/^[\d.]+:\d{1,5}$/.test(text)) text = text.slice(0, text.indexOf(':'))
  const ipv4 = parseIpv4(text)
  if (ipv4) return { version: 4, text: ipv4.join('.') }
  const zone = text.indexOf('%')
  const groups = parseIpv6(zone === -1 ? text : text.slice(0, zone))
  if (groups === undefined) return undefined
  const embedded = embeddedIpv4(groups, text.includes('.'))
  return embedded === undefined ? { version: 6, groups } : { version: 4, text: embedded }
}

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((part) => IPV4_PART.test(part))) return undefined
  return parts.map(Number)
}

function parseIpv6(text: string): number[] | undefined {
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = groupsOf(halves[0] as string)
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : []
  if (head === undefined || tail === undefined) return undefined
  if (halves.length === 1) return head.length === 8 ? head : undefined
  const missing = 8 - head.length - tail.length
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined
}

/** The 16-bit groups of one side of `::`; a dotted IPv4 tail counts as two groups. */
function groupsOf(text: string): number[] | undefined {
  if (text === '') return []
  const parts = text.split(':')
  const groups: number[] = []
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes('.')) {
      const ipv4 = parseIpv4(part)
      if (ipv4 === undefined) return undefined
      groups.push((ipv4[0] as number) * 256 + (ipv4[1] as number), (ipv4[2] as number) * 256 + (ipv4[3] as number))
    } else if (IPV6_GROUP.test(part)) {
      groups.push(Number.parseInt(part, 16))
    } else {
      return undefined
    }
  }
  return groups
}

/**
 * The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, in any notation),
 * or inside the deprecated IPv4-compatible form when written with dots (`::a.b.c.d`; `::1`
 * stays IPv6). The same rule as express-rate-limit's.
 */
function embeddedIpv4(groups: number[], dotted: boolean): string | undefined {
  if (!groups.slice(0, 5).every((group) => group === 0)) return undefined
  if (groups[5] !== 0xffff && !(groups[5] === 0 && dotted)) return undefined
  const high = groups[6] as number
  const low = groups[7] as number
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')
}

function maskIpv6(groups: number[], prefixLength: number): number[] {
  return groups.map((group, index) => {
    const bits = Math.min(16, Math.max(0, prefixLength - index * 16))
    return bits === 16 ? group : group & ((0xffff << (16 - bits)) & 0xffff)
  })
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(groups: number[]): string {
  let bestStart = -1
  let bestLength = 1
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start++
      continue
    }
    let end = start
    while (end < 8 && groups[end] === 0) end++
    if (end - start > bestLength) {
      bestStart = start
      bestLength = end - start
    }
    start = end
  }
  const hex = groups.map((group) => group.toString(16))
  if (bestStart === -1) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}
