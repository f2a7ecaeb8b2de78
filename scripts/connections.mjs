// What `npm start`'s server (scripts/start.mjs) does with a connection before Next sees a request
// on it: at most so many open connections per process and per client address, and the answers
// Node gives on its own (a deadline missed, a malformed request, CONNECT) in JSON with a `detail`,
// like every other error of the API (docs/decisions/015-slow-clients-and-stopping.md).
import http from 'node:http'
import { normalizeIp } from '../lib/request/ip-address.mjs'

/**
 * Refuses a connection over `perProcess` open ones, or over `perAddress` from one client address
 * (in lib/request/ip-address.mjs's form: IPv6 counted per /64), with a 503 before any request on it is
 * read. `perAddress` null counts no addresses: behind a proxy every connection comes from it.
 */
export function limitConnections(server, { perProcess, perAddress }) {
  let open = 0
  const fromAddress = new Map()
  // Ahead of http.Server's own 'connection' listener, so that a refused socket never reaches it:
  // no request on it is parsed, and Next never sees one.
  server.emit = function (event, ...args) {
    if (event === 'connection' && !admit(args[0])) return true
    return Object.getPrototypeOf(this).emit.call(this, event, ...args)
  }

  function admit(socket) {
    const address = perAddress === null ? null : normalizeIp(socket.remoteAddress ?? '')
    const count = address === null ? 0 : (fromAddress.get(address) ?? 0)
    if (open >= perProcess) {
      closeWith(socket, answer(503, 'The server has too many open connections: try again shortly.', { 'Retry-After': '5' }))
      return false
    }
    if (address !== null && count >= perAddress) {
      closeWith(socket, answer(503, 'Too many open connections from your address: close some, or try again shortly.', { 'Retry-After': '5' }))
      return false
    }
    open++
    if (address !== null) fromAddress.set(address, count + 1)
    socket.once('close', () => {
      open--
      if (address === null) return
      const left = fromAddress.get(address) - 1
      if (left === 0) fromAddress.delete(address)
      else fromAddress.set(address, left)
    })
    return true
  }
}

/**
 * Node's own answers in JSON: a missed header or request deadline (408), headers too large
 * (431), a request it cannot parse, such as a target that is neither a path nor a URL (400); and
 * CONNECT (405: this is not a proxy). `responding` maps each socket to its response in progress,
 * if any: once that has begun, nothing more may be written, only the socket closed.
 */
export function answerInJson(server, responding) {
  server.on('clientError', (error, socket) => {
    const response = responding.get(socket)
    if (socket.writable && (response === undefined || !response.headersSent)) {
      const [status, detail] =
        error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'The request did not arrive in time.']
          : error.code === 'HPE_HEADER_OVERFLOW'
            ? [431, 'The request headers are too large.']
            : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
              ? [413, 'The chunk extensions are too large.']
              : [400, 'The request could not be parsed as HTTP/1.1 (its target must be a path).']
      // As Node's own handler does: write, then close. The parser still owns the socket, so it
      // cannot be left open to read what the client is still sending.
      socket.write(answer(status, detail))
    }
    socket.destroy()
  })
  server.on('connect', (request, socket) => {
    closeWith(socket, answer(405, 'CONNECT is for proxies, and this server is not one.', { Allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' }))
  })
}

/** An HTTP/1.1 response with `detail` in a JSON body, after which the connection closes. */
function answer(status, detail, headers = {}) {
  const body = JSON.stringify({ detail })
  const head = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`,
    'Content-Type: application/json',
    'Cache-Control: no-store',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ]
  return `${head.join('\r\n')}\r\n\r\n${body}`
}

/**
 * Writes `text` and closes the socket (no HTTP parser on it): at once when the client closes its
 * side after reading, else after a second. Meanwhile what the client sends is read and dropped:
 * closing a socket with unread data sends a reset, which can make the client lose the answer.
 */
function closeWith(socket, text) {
  socket.on('error', () => {})
  socket.resume()
  socket.end(text)
  const timer = setTimeout(() => socket.destroy(), 1_000)
  socket.once('close', () => clearTimeout(timer))
}
