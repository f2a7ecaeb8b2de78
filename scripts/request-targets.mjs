// Request targets other than a path (RFC 9112 section 3.2), which Node passes on as they are and
// Next does not expect: `*` made it throw outside any handler's catch (a 500 and a stack trace).
// CONNECT's `host:port` never comes here (Node gives it to the 'connect' listener,
// scripts/connections.mjs), nor does a target Node cannot parse (its 'clientError', the same).

const ALLOW = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'

/**
 * True when `request` may go on to Next, its target a path: a whole URL (absolute-form) becomes
 * its path, and its host the Host header, as RFC 9112 section 3.2.2 requires of a server.
 * Otherwise answers itself and returns false: `OPTIONS *` (the server as a whole) with 204 and its
 * methods, any other `*` or URL scheme with 400.
 */
export function toOriginForm(request, response) {
  const target = request.url ?? ''
  if (target.startsWith('/')) return true
  if (target === '*') {
    if (request.method === 'OPTIONS') response.writeHead(204, { Allow: ALLOW, 'Cache-Control': 'no-store' }).end()
    else answer(response, 400, 'The request target "*" is for OPTIONS only; ask for a path.')
    return false
  }
  const url = URL.canParse(target) ? new URL(target) : null
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    answer(response, 400, 'The request target must be a path, or an http or https URL.')
    return false
  }
  request.url = url.pathname + url.search
  request.headers.host = url.host
  return true
}

function answer(response, status, detail) {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify({ detail }))
}
