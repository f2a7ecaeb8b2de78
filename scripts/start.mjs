// `npm start`: the production server (`next start`), in WEB_CONCURRENCY processes that share one
// port (node:cluster) when it is above 1, as `uvicorn --workers N` does for FastAPI. Plain
// JavaScript so that it runs without the dev tools; it reads only these two settings, the rest is
// lib/env.ts's (docs/decisions/008-processes-and-hash-workers.md).
import cluster from 'node:cluster'
import { createRequire } from 'node:module'

const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next')
const args = ['start', ...process.argv.slice(2)]
const raw = process.env.WEB_CONCURRENCY || '1'
const processes = Number(raw)

function refuse(message) {
  console.error(`passgate cannot start: ${message}`)
  process.exit(1)
}

if (!Number.isInteger(processes) || processes < 1 || processes > 64) {
  refuse(`WEB_CONCURRENCY must be a whole number from 1 to 64, not "${raw}".`)
}
if (processes > 1 && !process.env.DATABASE_URL) {
  refuse(`WEB_CONCURRENCY=${processes} needs DATABASE_URL: the embedded store can be opened by one process only.`)
}

if (processes === 1) {
  process.argv = [process.argv[0], nextBin, ...args]
  await import(nextBin)
} else {
  // Each worker runs `next start`; its listen() on the port is shared through this primary, which
  // hands out connections round-robin.
  cluster.setupPrimary({ exec: nextBin, args })
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
}
