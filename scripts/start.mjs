// `npm start`: the production server, in WEB_CONCURRENCY processes that share one port
// (node:cluster) when it is above 1, as `uvicorn --workers N` does for FastAPI. Each process serves
// Next's request handler on a server of its own, so that a stop loses nothing: on SIGTERM (or
// SIGINT), however delivered, it stops accepting connections, lets the requests in flight finish
// (at most SHUTDOWN_TIMEOUT_SECONDS, default 10), then closes the database (for the embedded
// store: PGlite closed cleanly and its lock released) and exits. The server also bounds slow
// clients (deadlines, connection caps: scripts/connections.mjs) and answers request targets that
// are not a path itself (scripts/request-targets.mjs). Plain JavaScript so that it runs without
// the dev tools; it reads only the settings below (and whether TRUST_PROXY is set), the rest is
// lib/platform/env.ts's (docs/decisions/008-processes-and-hash-workers.md,
// docs/decisions/015-slow-clients-and-stopping.md).
import cluster from 'node:cluster'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { parseArgs } from 'node:util'
import { answerInJson, limitConnections } from './connections.mjs'
import { loadEnvFiles } from './env-files.mjs'
import { toOriginForm } from './request-targets.mjs'

// `npm start` serves a production build, so it is production whatever NODE_ENV says: Next would
// otherwise load its development runtime. lib/platform/env.ts decides the same from the build itself.
if (process.env.NODE_ENV !== undefined && process.env.NODE_ENV !== 'production') {
  console.warn(`passgate: NODE_ENV=${process.env.NODE_ENV} ignored: npm start serves the production build as production`)
}
process.env.NODE_ENV = 'production'
// The settings below may come from the `.env*` files, as the server's own do: loaded here, before
// they are read (Next would load them only as the server starts). Once, by the first process: the
// others inherit its environment.
if (cluster.isPrimary) {
  const files = loadEnvFiles(false)
  if (files.length > 0) console.log(`passgate: settings from ${files.join(', ')}`)
}

function refuse(message) {
  console.error(`passgate cannot start: ${message}`)
  process.exit(1)
}

const processes = inRange('WEB_CONCURRENCY', process.env.WEB_CONCURRENCY || '1', 1, 64)
const shutdownSeconds = inRange('SHUTDOWN_TIMEOUT_SECONDS', process.env.SHUTDOWN_TIMEOUT_SECONDS || '10', 0, 3600)
// Slow clients (docs/decisions/015-slow-clients-and-stopping.md): a request's headers, and the
// whole request, must arrive within these (408, then the socket is closed); Node's defaults are
// 60 and 300 s. A body that stops arriving is abandoned at the request deadline.
const headersSeconds = inRange('HEADERS_TIMEOUT_SECONDS', process.env.HEADERS_TIMEOUT_SECONDS || '15', 1, 3600)
const requestSeconds = inRange('REQUEST_TIMEOUT_SECONDS', process.env.REQUEST_TIMEOUT_SECONDS || '30', 1, 3600)
if (headersSeconds > requestSeconds) {
  refuse(`HEADERS_TIMEOUT_SECONDS (${headersSeconds}) must not be above REQUEST_TIMEOUT_SECONDS (${requestSeconds}): the headers are part of the request.`)
}
// Open connections per server process, in all and from one client address. Behind a proxy
// (TRUST_PROXY, which lib/platform/env.ts checks in full) every connection comes from the proxy, so only
// the total applies.
const maxConnections = inRange('MAX_CONNECTIONS', process.env.MAX_CONNECTIONS || '1000', 1, 1_000_000)
const maxPerIp = inRange('MAX_CONNECTIONS_PER_IP', process.env.MAX_CONNECTIONS_PER_IP || '100', 1, 1_000_000)
const behindProxy = !['', '0'].includes(process.env.TRUST_PROXY?.trim() ?? '')
if (!behindProxy && maxPerIp >= maxConnections) {
  refuse(`MAX_CONNECTIONS_PER_IP (${maxPerIp}) must be below MAX_CONNECTIONS (${maxConnections}), or one client address could take every connection.`)
}
if (processes > 1 && !process.env.DATABASE_URL) {
  refuse(`WEB_CONCURRENCY=${processes} needs DATABASE_URL: the embedded store can be opened by one process only.`)
}
// `next start`'s own options; without them, PORT and HOSTNAME, as Next's standalone server reads
// them. A flag wins over its variable.
let options
try {
  options = parseArgs({
    options: { port: { type: 'string', short: 'p' }, hostname: { type: 'string', short: 'H' }, keepAliveTimeout: { type: 'string' } },
  }).values
} catch (error) {
  refuse(`${error.message} (npm start takes --port, --hostname and --keepAliveTimeout).`)
}
const port = inRange(options.port === undefined ? 'PORT' : '--port', options.port ?? (process.env.PORT || '3000'), 1, 65535)
// Unset: every address, IPv4 and IPv6, as `next start` listens. Docker and Kubernetes set HOSTNAME
// to the container's own name, whose address is reachable from outside but is not 127.0.0.1
// inside: there, HOSTNAME=0.0.0.0 (as Next's Dockerfile sets) or --hostname says otherwise.
const hostname = options.hostname ?? (process.env.HOSTNAME || undefined)
const hostnameFrom = options.hostname === undefined && hostname !== undefined ? ' (from HOSTNAME)' : ''
// Longer than the proxy's or load balancer's idle timeout, or it may reuse a closed connection.
const keepAliveTimeout = options.keepAliveTimeout === undefined ? undefined : inRange('--keepAliveTimeout', options.keepAliveTimeout, 1, 3_600_000)

function inRange(name, raw, min, max) {
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max) refuse(`${name} must be a whole number from ${min} to ${max}, not "${raw}".`)
  return value
}

if (processes > 1 && cluster.isPrimary) {
  // Each worker runs this file and serves; their listen() on the port is shared through this
  // primary, which hands out connections round-robin.
  let stopping = false
  const startedAt = new Map()
  const fork = () => startedAt.set(cluster.fork().id, Date.now())
  // A stop (or a halt) is passed on over IPC rather than as a signal, so that a worker which also
  // got the signal itself (the whole process group was signalled) cannot take the primary's word
  // for a second signal. Not to a worker still starting, which may not listen for messages yet: a
  // signal stops it either way, and the two signals of a group arrive within the same second.
  const listening = new Set()
  cluster.on('listening', (worker) => listening.add(worker.id))
  const tell = (passgate, signal) => {
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker === undefined) continue
      if (listening.has(worker.id)) worker.send({ passgate, signal }, () => {})
      else worker.process.kill(signal)
    }
  }
  for (let i = 0; i < processes; i++) fork()
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - startedAt.get(worker.id)
    startedAt.delete(worker.id)
    listening.delete(worker.id)
    // A worker that fails at start (bad configuration) fails the same way again: stop, do not
    // loop. One that exits 0 was stopped on its own (a signal to it alone) and had drained.
    if (!stopping && code !== 0 && lived < 10_000) {
      stopping = true
      process.exitCode = code ?? 1
      tell('stop', 'SIGTERM')
    }
    if (stopping) {
      if (code !== 0 && code !== null) process.exitCode ||= code
      if (startedAt.size === 0) process.exit()
      return
    }
    console.error(`passgate: server process ${worker.process.pid} exited (${signal ?? code}); starting another`)
    fork()
  })
  onStopSignals(
    (signal) => {
      stopping = true
      tell('stop', signal)
    },
    (signal) => tell('halt', signal),
  )
} else {
  await serve()
}

/**
 * Calls `drain` on the first SIGINT or SIGTERM, and `halt` on one that comes a second or more
 * after it; returns the function that starts the stop otherwise (a worker told by the primary).
 * One stop is often delivered twice: a signal to the process group (Ctrl-C in a terminal,
 * systemd's KillMode=control-group) reaches a worker directly and again from the primary, and
 * npm passes a terminal's Ctrl-C on to the process that already had it. Only a later signal is
 * the operator's deliberate second one.
 */
function onStopSignals(drain, halt) {
  let since
  const begin = (signal) => {
    if (since !== undefined) return
    since = Date.now()
    drain(signal)
  }
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => (since === undefined ? begin(signal) : Date.now() - since >= 1_000 && halt(signal)))
  }
  return begin
}

async function serve() {
  let stopping = false
  let app
  let server
  // Each socket's response in progress: a stop tells them all to close their connection after it.
  const responding = new Map()
  // Installed before Next starts (which opens the database): a stop during start-up still closes it.
  const drain = async (signal) => {
    stopping = true
    let cut = 0
    console.log(`passgate: ${signal}: finishing the requests in flight (at most ${shutdownSeconds} s), then stopping`)
    if (server !== undefined) {
      for (const response of responding.values()) if (!response.headersSent) response.setHeader('Connection', 'close')
      // net.Server's close: no new connections. Not http.Server's, which also closes idle
      // keep-alive connections at once, racing a request a client is sending on one right now
      // (and stops enforcing the header and request deadlines). Those are closed after a second,
      // by which time a client that was about to use one has, and got `Connection: close`.
      const drained = new Promise((resolve) => net.Server.prototype.close.call(server, resolve))
      let idle
      const grace = setTimeout(() => (idle = setInterval(() => server.closeIdleConnections(), 100)), 1_000)
      const deadline = setTimeout(() => {
        cut = responding.size
        server.closeAllConnections()
      }, shutdownSeconds * 1000)
      await drained
      clearTimeout(grace)
      clearInterval(idle)
      clearTimeout(deadline)
    }
    await app?.close().catch((error) => console.error(`passgate: while stopping Next: ${error}`))
    // Registered by lib/platform/db.ts when it opens the database: the pool, or PGlite and its lock.
    const closing = globalThis.passgateCloseDatabase?.()
    const closed = await (closing ?? Promise.resolve()).then(
      () => true,
      (error) => console.error(`passgate: while closing the database: ${error}`),
    )
    const requests = cut === 0 ? 'requests finished' : `${cut} request(s) still in flight after ${shutdownSeconds} s cut off`
    if (closed) console.log(`passgate: stopped: ${requests}${closing === undefined ? '' : ', database closed'}`)
    process.exit(closed ? 0 : 1)
  }
  const halt = (signal) => {
    console.error(`passgate: ${signal} again: stopping at once`)
    process.exit(1)
  }
  const begin = onStopSignals(drain, halt)
  // A worker's stop, passed on by the primary (which got the signal).
  process.on('message', (message) => {
    if (message?.passgate === 'stop') begin(message.signal)
    if (message?.passgate === 'halt') halt(message.signal)
  })

  const { default: next } = await import('next')
  app = next({ dev: false, dir: process.cwd(), hostname: hostname ?? 'localhost', port })
  const handle = app.getRequestHandler()
  await app.prepare()
  if (stopping) return
  server = http.createServer({ headersTimeout: headersSeconds * 1000, requestTimeout: requestSeconds * 1000, connectionsCheckingInterval: 1_000 }, (request, response) => {
    // While stopping, no connection is kept for another request that could be cut off.
    if (stopping) response.setHeader('Connection', 'close')
    responding.set(request.socket, response)
    response.on('close', () => responding.get(request.socket) === response && responding.delete(request.socket))
    if (!toOriginForm(request, response)) return
    handle(request, response).catch((error) => {
      console.error(`passgate: ${request.method} request failed: ${error?.name ?? 'error'}`)
      if (!response.headersSent) {
        response.writeHead(500, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
        response.end('{"detail":"Internal Server Error"}')
      } else response.destroy()
    })
  })
  if (keepAliveTimeout !== undefined) server.keepAliveTimeout = keepAliveTimeout
  limitConnections(server, connectionCaps())
  answerInJson(server, responding)
  server.on('error', (error) => refuse(`cannot listen on ${hostname ?? '*'}:${port}${hostnameFrom}: ${error.code ?? error.message}`))
  const host = hostname === undefined ? 'localhost' : hostname.includes(':') ? `[${hostname}]` : hostname
  server.listen(port, hostname, () => console.log(`passgate: ready on http://${host}:${port}${hostnameFrom}`))
}

/**
 * MAX_CONNECTIONS and MAX_CONNECTIONS_PER_IP, both lowered in proportion where the open-file limit
 * would not leave 200 descriptors beside the connections (the embedded store alone keeps a file
 * open per table and index it has touched, 100 or more; PostgreSQL's pool 10): past that limit
 * every accept and every query fails with EMFILE. Linux says the limit in /proc; Node has already
 * raised the soft limit to the hard one.
 */
function connectionCaps() {
  const limit = Number(/^Max open files\s+(\d+)/m.exec(readOrEmpty('/proc/self/limits'))?.[1] ?? Infinity)
  const perProcess = Math.min(maxConnections, Math.max(1, limit - 200))
  const perIp = Math.max(1, Math.floor((maxPerIp * perProcess) / maxConnections))
  if (perProcess < maxConnections) {
    console.warn(
      `passgate: the open-file limit is ${limit}: at most ${perProcess} connections per process and ${perIp} per client address, instead of ${maxConnections} and ${maxPerIp} (raise the limit: LimitNOFILE= in systemd, ulimit -n in a shell)`,
    )
  }
  return { perProcess, perAddress: behindProxy ? null : perIp }
}

function readOrEmpty(file) {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
