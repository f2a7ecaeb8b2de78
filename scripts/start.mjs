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

function refuse(message) {
  console.error(`passgate cannot start: ${message}`)
  process.exit(1)
}

function wholeNumber(name, fallback, min, max) {
  const raw = process.env[name] || String(fallback)
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) refuse(`${name} must be a whole number from ${min} to ${max}, not "${raw}".`)
  return value
}

const processes = wholeNumber('WEB_CONCURRENCY', 1, 1, 64)
const shutdownSeconds = wholeNumber('SHUTDOWN_TIMEOUT_SECONDS', 10, 0, 3600)
if (processes > 1 && !process.env.DATABASE_URL) {
  refuse(`WEB_CONCURRENCY=${processes} needs DATABASE_URL: the embedded store can be opened by one process only.`)
}
// `next start`'s own options. HOSTNAME is not read: containers set it to their own name.
const { values: options } = parseArgs({
  options: { port: { type: 'string', short: 'p' }, hostname: { type: 'string', short: 'H' } },
  strict: false,
})
const port = Number(options.port ?? process.env.PORT ?? 3000)
const hostname = options.hostname ?? '0.0.0.0'

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
  const { default: next } = await import('next')
  const app = next({ dev: false, dir: process.cwd(), hostname, port })
  const handle = app.getRequestHandler()
  await app.prepare()
  const server = http.createServer((request, response) => handle(request, response))
  server.listen(port, hostname, () => console.log(`passgate: ready on http://${hostname}:${port}`))
  let stopping = false
  const stop = async (signal) => {
    if (stopping) return
    stopping = true
    console.log(`passgate: ${signal}: finishing the requests in flight (at most ${shutdownSeconds} s), then stopping`)
    const drained = new Promise((resolve) => server.close(resolve))
    // Keep-alive connections are closed as soon as they are idle; past the timeout, all of them.
    const idle = setInterval(() => server.closeIdleConnections(), 100)
    const deadline = setTimeout(() => server.closeAllConnections(), shutdownSeconds * 1000)
    await drained
    clearInterval(idle)
    clearTimeout(deadline)
    await app.close().catch((error) => console.error(`passgate: while stopping Next: ${error}`))
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
}
