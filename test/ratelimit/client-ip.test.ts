/**
 * The IP helpers behind every rate-limit middleware's default key: the same keys as
 * express-rate-limit's ipKeyGenerator (checked against it on random addresses), Node's
 * own idea of what an IP address is, and X-Forwarded-For read from the right.
 */
import { isIP } from 'node:net'
import { ipKeyGenerator } from 'express-rate-limit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ipKey, normalizedIp } from '../../src/ratelimit/client-ip.js'
import { clientIpFromHeaders } from '../../src/adapters/shared/client-source.js'

const addresses = fc.oneof(
  fc.ipV6(),
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.string({ maxLength: 50 }),
  fc.constantFrom('::', '::1', '::ffff:1.2.3.4', '::1.2.3.4', '0:0:0:0:0:ffff:102:304', '2001:DB8::1', '01.2.3.4'),
)

describe('ipKey', () => {
  it('gives the key express-rate-limit gives for every IP address and subnet, and refuses what Node does not call an address', () => {
    fc.assert(
      fc.property(addresses, fc.integer({ min: 32, max: 64 }), (ip, subnet) => {
        const key = ipKey(ip, { ipv6Subnet: subnet })
        if (isIP(ip) === 0) expect(key).toBeUndefined()
        else expect(key).toBe(ipKeyGenerator(ip, subnet))
      }),
      { numRuns: 5000 },
    )
  })

  it('groups IPv6 clients by /56: two addresses of one /56 share a key, the next /56 has its own', () => {
    expect(ipKey('2001:db8:ab:cd12::1')).toBe('2001:db8:ab:cd00::/56')
    expect(ipKey('2001:DB8:AB:CDff:ffff::9')).toBe('2001:db8:ab:cd00::/56')
    expect(ipKey('2001:db8:ab:ce00::1')).toBe('2001:db8:ab:ce00::/56')
  })

  it('reads IPv4-mapped IPv6 as IPv4, and counts every IPv6 address alone (in canonical form) with ipv6Subnet false', () => {
    expect(ipKey('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(ipKey('2001:0DB8:0000::0001', { ipv6Subnet: false })).toBe('2001:db8::1')
  })

  it('is undefined for a missing or garbled address, never a bucket of its own', () => {
    for (const value of [undefined, null, '', 'unknown', '1.2.3', '1.2.3.4.5', 'x'.repeat(10_000), '::g', '1::2::3'])
      expect(ipKey(value)).toBeUndefined()
  })

  it('strips the port and brackets proxies sometimes write, and an IPv6 zone', () => {
    expect(normalizedIp('203.0.113.7:41234')).toBe('203.0.113.7')
    expect(normalizedIp('[2001:db8::1]:443')).toBe('2001:db8::1')
    expect(normalizedIp('fe80::1%eth0')).toBe('fe80::1')
  })
})

describe('clientIpFromHeaders', () => {
  const peer = () => '192.0.2.1'
  const none = () => undefined

  it('takes the entry the last trusted proxy wrote, so a forged leading entry never counts', () => {
    expect(clientIpFromHeaders('6.6.6.6, 203.0.113.7', 1, none)).toBe('203.0.113.7')
    expect(clientIpFromHeaders('6.6.6.6, 203.0.113.7, 10.0.0.2', 2, none)).toBe('203.0.113.7')
    expect(clientIpFromHeaders('6.6.6.6,, 203.0.113.7 ', 1, none)).toBe('203.0.113.7')
  })

  it('reads no header with no trusted hop: the peer counts', () => {
    expect(clientIpFromHeaders('203.0.113.7', 0, peer)).toBe('192.0.2.1')
    expect(clientIpFromHeaders('203.0.113.7', 0, none)).toBeUndefined()
  })

  it("follows Express's trust proxy rule otherwise: the leftmost entry when there are fewer than the hops, the peer when there are none", () => {
    expect(clientIpFromHeaders('203.0.113.7', 3, peer)).toBe('203.0.113.7')
    expect(clientIpFromHeaders(null, 1, peer)).toBe('192.0.2.1')
    expect(clientIpFromHeaders(' , ', 1, none)).toBeUndefined()
  })

  it('gives no address for an entry that is not an IP address', () => {
    expect(clientIpFromHeaders('not-an-ip, 203.0.113.7', 2, peer)).toBeUndefined()
  })
})
