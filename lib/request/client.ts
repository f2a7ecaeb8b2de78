import { BlockList, isIP } from 'node:net'
import { getEnv } from '../platform/env'
import { normalizeIp } from './ip-address.mjs'
import { peerAddress } from './peer-address'

// Who is calling: the client's address, its user agent, and whether it reached us over https.
// Read from the request once (readClient) and passed down as one small value.

export type Client = { ip: string | null; userAgent: string | null; https: boolean }

export function readClient(request: Request): Client {
  return { ip: clientIp(request), userAgent: request.headers.get('user-agent'), https: isHttps(request.headers) }
}

/**
 * Served over https, as the first X-Forwarded-Proto says (Next sets it for its own https too). The
 * headers alone decide, so that pages, which see no URL, and the API agree on the cookie names. Unlike
 * the client's address this needs no TRUST_PROXY: a client that claims https only adds protections
 * to its own response (Secure, `__Host-` cookies it cannot send back over http; HSTS, which
 * browsers ignore over http).
 */
export function isHttps(headers: Headers): boolean {
  return headers.get('x-forwarded-proto')?.split(',')[0]?.trim() === 'https'
}

/** HSTS (RFC 6797, ASVS 5.0 V3.4.1) for https responses; subdomains only when asked for. */
export function hstsHeader(): string {
  return `max-age=63072000${getEnv().HSTS_INCLUDE_SUBDOMAINS ? '; includeSubDomains' : ''}`
}

/**
 * The client's address: from the connection, unless TRUST_PROXY says which proxy header to
 * believe. Never a header a client could set on its own.
 */
function clientIp(request: Request): string | null {
  const trust = getEnv().TRUST_PROXY
  const peer = peerAddress(request)
  let address: string | null | undefined
  if (trust === 'vercel') {
    address = request.headers.get('x-vercel-forwarded-for')?.split(',')[0] ?? request.headers.get('x-real-ip')
  } else if (trust > 0) {
    // Each proxy appends the address it saw: the N-th entry from the right was written by ours.
    // With fewer entries than proxies the header is not what we were promised: use the socket.
    const hops = forwardedHops(request)
    address = hops.length >= trust ? hops[hops.length - trust] : undefined
  } else {
    warnIfBehindProxy(request, peer)
  }
  // A forwarded value that is not an address must not switch the per-address throttles off.
  return normalizeIp(address ?? '') ?? normalizeIp(peer ?? '')
}

function forwardedHops(request: Request): string[] {
  return (request.headers.get('x-forwarded-for') ?? '').split(',').map((hop) => hop.trim()).filter(Boolean)
}

const privateNetworks = new BlockList()
for (const [network, prefix] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16]] as const) {
  privateNetworks.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) privateNetworks.addSubnet(network, prefix, 'ipv6')

let warnedAboutProxy = false

/**
 * Without TRUST_PROXY every client behind a reverse proxy shares the proxy's address, so one
 * attacker fills the per-address throttles for everyone. A request from a private address that
 * carries someone else's X-Forwarded-For looks like that setup: say so, once per process.
 * (`next start` fills X-Forwarded-For with the peer's own address when the client sent none.)
 */
function warnIfBehindProxy(request: Request, peer: string | null): void {
  if (warnedAboutProxy || peer === null) return
  const hops = forwardedHops(request)
  if (hops.length === 0 || (hops.length === 1 && normalizeIp(hops[0]!) === normalizeIp(peer))) return
  const address = peer.replace(/^::ffff:(?=\d+\.)/i, '')
  const family = isIP(address)
  if (family === 0 || !privateNetworks.check(address, family === 4 ? 'ipv4' : 'ipv6')) return
  warnedAboutProxy = true
  console.warn(
    `passgate: requests from ${address} carry X-Forwarded-For, but TRUST_PROXY is not set: every client behind that proxy shares its address, so per-address throttles count them together. Set TRUST_PROXY to the number of proxies in front of the app.`,
  )
}
