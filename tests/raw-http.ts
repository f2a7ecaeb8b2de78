import net from 'node:net'

// HTTP/1.1 over a raw TCP socket, for what fetch cannot send: request targets such as `*`,
// requests that trickle in a byte at a time, and connections from another loopback address
// (Linux routes all of 127.0.0.0/8 to lo, so 127.0.0.2 is a second client on the same machine).

export type RawExchange = {
  /** The status of the first response, or null when the server wrote nothing. */
  status: number | null
  /** Everything the server wrote, head and body. */
  text: string
  /** The first response's body (after the blank line). */
  body: string
  /** Milliseconds from connecting to the first byte of the answer, or null. */
  answeredAfter: number | null
  /** Milliseconds from connecting to the close of the socket (by either side). */
  closedAfter: number
  /** True when the test gave up waiting and closed the socket itself. */
  gaveUp: boolean
}

export type RawOptions = {
  /** The client's own address (127.0.0.x). */
  from?: string
  /** After `request`, one more byte of this every `everyMs` until the socket closes. */
  trickle?: { bytes: string; everyMs: number }
  /** The longest the test waits for the server to close the socket. */
  limitMs?: number
}

/** Sends `request` as is to `url`'s host and port, and reports what came back until the socket closed. */
export function rawRequest(url: string, request: string, { from, trickle, limitMs = 10_000 }: RawOptions = {}): Promise<RawExchange> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const started = Date.now()
    let text = ''
    let answeredAfter: number | null = null
    let gaveUp = false
    let sent = 0
    const socket = net.connect({ host: hostname, port: Number(port), localAddress: from })
    const dribble =
      trickle === undefined
        ? undefined
        : setInterval(() => {
            if (socket.writable) socket.write(trickle.bytes[sent++ % trickle.bytes.length]!)
          }, trickle.everyMs)
    const limit = setTimeout(() => {
      gaveUp = true
      socket.destroy()
    }, limitMs)
    socket.on('connect', () => socket.write(request))
    socket.on('data', (chunk: Buffer) => {
      answeredAfter ??= Date.now() - started
      text += chunk.toString('latin1')
    })
    // A reset after the server answered and closed is expected: the client kept writing.
    socket.on('error', () => {})
    socket.on('close', () => {
      clearInterval(dribble)
      clearTimeout(limit)
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]
      const head = text.split('\r\n\r\n')[0]!
      const raw = text.includes('\r\n\r\n') ? text.slice(text.indexOf('\r\n\r\n') + 4) : ''
      const body = /^transfer-encoding:\s*chunked/im.test(head) ? dechunk(raw) : raw
      resolve({ status: status === undefined ? null : Number(status), text, body, answeredAfter, closedAfter: Date.now() - started, gaveUp })
    })
  })
}

/** A chunked body (RFC 9112 section 7.1) put back together. */
function dechunk(raw: string): string {
  let body = ''
  let rest = raw
  for (;;) {
    const size = Number.parseInt(rest.slice(0, rest.indexOf('\r\n')), 16)
    if (!(size > 0)) return body
    const start = rest.indexOf('\r\n') + 2
    body += rest.slice(start, start + size)
    rest = rest.slice(start + size + 2)
  }
}

/** The value of `name` in the head of a raw answer, or null. */
export function rawHeader(exchange: RawExchange, name: string): string | null {
  const head = exchange.text.split('\r\n\r\n')[0] ?? ''
  const line = head.split('\r\n').find((header) => header.toLowerCase().startsWith(`${name.toLowerCase()}:`))
  return line === undefined ? null : line.slice(line.indexOf(':') + 1).trim()
}
