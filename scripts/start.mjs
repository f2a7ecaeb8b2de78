// `npm start`: the production server, in WEB_CONCURRENCY processes that share one port
// (node:cluster) when it is above 1, as `uvicorn --workers N` does for FastAPI. Each process serves
// Next's request handler on a server of its own, so that a stop loses nothing: on SIGTERM (or
// SIGINT) it stops accepting connections, lets the requests in flight finish (at most
// SHUTDOWN_TIMEOUT_SECONDS, default 10), then closes the database (for the embedded store: PGlite
// closed cleanly and its lock released) and exits. Plain JavaScript so that it runs without the dev
// tools; it reads only these settings, the rest is lib/env.ts's
// (docs/decisions/008-processes-and-hash-workers.md).
import cluster from 'node:cluster'
import http from 'node:http'
import { parseArgs } from 'node:util'

// `npm start` serves a production build, so it is production whatever NODE_ENV says: Next would
// otherwise load its development runtime. lib/env.ts decides the same from the build itself.
if (process.env.NODE_ENV !== undefined && process.env.NODE_ENV !== 'production') {
  console.warn(`passgate: NODE_ENV=${process.env.NODE_ENV} ignored: npm start serves the production build as production`)
}
process.env.NODE_ENV = 'production'

function refuse(message) {
  console.error(`passgate cannot start: ${message}`)
  process.exit(1)
}

const processes = inRange('WEB_CONCURRENCY', process.env.WEB_CONCURRENCY || '1', 1, 64)
const shutdownSeconds = inRange('SHUTDOWN_TIMEOUT_SECONDS', process.env.SHUTDOWN_TIMEOUT_SECONDS || '10', 0, 3600)
if (processes > 1 && !process.env.DATABASE_URL) {
  refuse(`WEB_CONCURRENCY=${processes} needs DATABASE_URL: the embedded store can be opened by one process only.`)
}
// `next start`'s own options. HOSTNAME is not read: containers set it to their own name.
let options
try {
  options = parseArgs({
    options: { port: { type: 'string', short: 'p' }, hostname: { type: 'string', short: 'H' }, keepAliveTimeout: { type: 'string' } },
  }).values
} catch (error) {
  refuse(`${error.message} (npm start takes --port, --hostname and --keepAliveTimeout).`)
}
const port = inRange('port', options.port ?? (process.env.PORT || '3000'), 1, 65535)
// Unset: every address, IPv4 and IPv6, as `next start` listens.
const hostname = options.hostname
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
  for (let i = 0; i < processes; i++) fork()
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - startedAt.get(worker.id)
    startedAt.delete(worker.id)
    // A worker that fails at start (bad configuration) fails the same way again: stop, do not loop.
    if (!stopping && lived < 10_000) {
      stopping = true
      process.exitCode = code ?? 1
      for (const other of Object.values(cluster.workers ?? {})) other?.kill('SIGTERM')
    }
    if (stopping) {
      if (code !== 0 && code !== null) process.exitCode ||= code
      if (startedAt.size === 0) process.exit()
      return
    }
    console.error(`passgate: server process ${worker.process.pid} exited (${signal ?? code}); starting another`)
    fork()
  })
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      stopping = true
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill(signal)
    })
  }
} else {
  await serve()
}

async function serve() {
  let stopping = false
  let app
  let server
  // Installed before Next starts (which opens the database): a stop during start-up still closes it.
  const stop = async (signal) => {
    if (stopping) {
      console.error(`passgate: ${signal} again: stopping at once`)
      process.exit(1)
    }
    stopping = true
    console.log(`passgate: ${signal}: finishing the requests in flight (at most ${shutdownSeconds} s), then stopping`)
    if (server !== undefined) {
      const drained = new Promise((resolve) => server.close(resolve))
      // Keep-alive connections are closed as soon as they are idle; past the timeout, all of them.
      const idle = setInterval(() => server.closeIdleConnections(), 100)
      const deadline = setTimeout(() => server.closeAllConnections(), shutdownSeconds * 1000)
      await drained
      clearInterval(idle)
      clearTimeout(deadline)
    }
    await app?.close().catch((error) => console.error(`passgate: while stopping Next: ${error}`))
    // Registered by lib/db.ts when it opens the database: the pool, or PGlite and its lock.
    const closing = globalThis.passgateCloseDatabase?.()
    const closed = await (closing ?? Promise.resolve()).then(
      () => true,
      (error) => console.error(`passgate: while closing the database: ${error}`),
    )
    if (closed) console.log(`passgate: stopped: requests finished${closing === undefined ? '' : ', database closed'}`)
    process.exit(closed ? 0 : 1)
  }
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void stop(signal))

  const { default: next } = await import('next')
  app = next({ dev: false, dir: process.cwd(), hostname: hostname ?? 'localhost', port })
  const handle = app.getRequestHandler()
  await app.prepare()
  if (stopping) return
  server = http.createServer((request, response) => {
    // While stopping, no connection is kept for another request that could be cut off.
    if (stopping) response.setHeader('Connection', 'close')
    handle(request, response).catch((error) => {
      console.error(`passgate: ${request.method} request failed: ${error?.name ?? 'error'}`)
      if (!response.headersSent) {
        response.writeHead(500, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
        response.end('{"detail":"Internal Server Error"}')
      } else response.destroy()
    })
  })
  if (keepAliveTimeout !== undefined) server.keepAliveTimeout = keepAliveTimeout
  server.on('error', (error) => refuse(`cannot listen on ${hostname ?? '*'}:${port}: ${error.code ?? error.message}`))
  server.listen(port, hostname, () => console.log(`passgate: ready on http://${hostname ?? 'localhost'}:${port}`))
}
