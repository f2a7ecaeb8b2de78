import net from 'node:net'
import { expect, test } from '../fixtures'
import { startServer, testPort, waitForOutput } from '../servers'

// Where `npm start` listens: --hostname and --port, else HOSTNAME and PORT as Next's own
// standalone server reads them, else every address on port 3000. Flags win over variables.

/** True when something accepts a TCP connection on `host`:`port`. */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    socket.on('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}

test('HOSTNAME and PORT choose the address when no flag does; --hostname and --port win over them', async () => {
  test.skip(!!process.env.DATABASE_URL, 'no database involved: once, in the embedded run')
  // No database: where it listens does not depend on one.
  const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', HOSTNAME: '127.0.0.2' }
  const byVariables = startServer(3234, { ...env, PORT: String(testPort(3234)) }, 'npm-start', { flags: false })
  const byFlags = startServer(3235, { ...env, PORT: String(testPort(3236)) }, 'npm-start')
  try {
    await waitForOutput(byVariables, 'passgate: ready on')
    await waitForOutput(byFlags, 'passgate: ready on')
    expect(byVariables.output()).toContain(`passgate: ready on http://127.0.0.2:${testPort(3234)}`)
    expect(await listening('127.0.0.2', testPort(3234))).toBe(true)
    expect(await listening('127.0.0.1', testPort(3234)), 'HOSTNAME=127.0.0.2: not every address').toBe(false)

    expect(byFlags.output()).toContain(`passgate: ready on http://127.0.0.1:${testPort(3235)}`)
    expect(await listening('127.0.0.1', testPort(3235))).toBe(true)
    expect(await listening('127.0.0.2', testPort(3235))).toBe(false)
    expect(await listening('127.0.0.2', testPort(3236))).toBe(false)
  } finally {
    await Promise.all([byVariables.stop(), byFlags.stop()])
  }
})
