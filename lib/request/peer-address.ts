import { randomBytes } from 'node:crypto'
import http from 'node:http'

// Next's route handlers cannot see the connection's address, and `next start` copies it into
// X-Forwarded-For only when the client sent none, so a client could pick its own. This stamps the
// socket's address on every request under a header name that is random per process, which no
// client can guess or forge (docs/decisions/005-client-address.md).

const state = globalThis as typeof globalThis & { passgatePeerHeader?: string }

/** Installs the stamp, once per process; called from instrumentation at server start. */
export function stampPeerAddresses(): void {
  if (state.passgatePeerHeader !== undefined) return
  const header = `x-passgate-peer-${randomBytes(12).toString('hex')}`
  state.passgatePeerHeader = header
  const emit = http.Server.prototype.emit
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const request = args[0] as http.IncomingMessage
      request.headers[header] = request.socket.remoteAddress ?? ''
    }
    return (emit as (this: http.Server, ...all: unknown[]) => boolean).call(this, event, ...args)
  }
}

/** The connection's address as stamped on this request, or null where no stamp was installed. */
export function peerAddress(request: Request): string | null {
  return state.passgatePeerHeader === undefined ? null : request.headers.get(state.passgatePeerHeader) || null
}
