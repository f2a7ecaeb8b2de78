// One canonical form per client address, shared by the app (lib/request/client.ts, for the per-address
// throttles) and by `npm start`'s launcher (scripts/connections.mjs, for the per-address cap on
// open connections). Plain JavaScript, typed by ip-address.d.mts, because the launcher runs
// without the TypeScript tools.
import { isIP } from 'node:net'

/**
 * One canonical form per client, or null for anything that is not an address: IPv4 as dotted
 * quad (also from IPv4-mapped IPv6 and "1.2.3.4:port"), IPv6 as its /64, the block one
 * subscriber usually controls; the IPv6 loopback, one machine, as `::1` (what an account's session
 * list shows for this computer).
 * @param {string} raw
 * @returns {string | null}
 */
export function normalizeIp(raw) {
  let address = raw.trim().slice(0, 100)
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address) // [::1]:443
  if (bracketed !== null) address = bracketed[1]
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':')) // 1.2.3.4:5678
  address = address.replace(/%.*$/, '') // zone id
  if (isIP(address) === 4) return address
  if (isIP(address) !== 6) return null
  const groups = expandIpv6(address)
  // ::ffff:a.b.c.d and ::ffff:7f00:1 are IPv4 clients.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.')
  }
  if (groups.slice(0, 7).every((group) => group === 0) && groups[7] === 1) return '::1'
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`
}

/**
 * The eight 16-bit groups of a valid IPv6 address (possibly ending in dotted IPv4).
 * @param {string} address
 * @returns {number[]}
 */
function expandIpv6(address) {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address)
  let text = address
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number)
    text = `${address.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0')
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16))
}
