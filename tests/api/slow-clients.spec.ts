import { expect, test } from '../fixtures'
import { BASE_URL, PASSWORD, signUp } from '../helpers'
import { type RawExchange, rawHeader, rawRequest } from '../raw-http'
import { freshDataDir, startServer, waitForHealth, waitForOutput } from '../servers'

// Clients that send slowly, or not at all, must not hold the server: headers and whole requests
// have deadlines (408, then the socket is closed), idle keep-alive sockets are closed, and a cap
// on connections per client address and per process leaves room for everyone else (a refused
// connection gets a 503 with a JSON `detail`). The server here has short deadlines so that the
// test takes seconds; the last test checks the default deadline on the suite's own server.

const HEADERS_SECONDS = 2
const REQUEST_SECONDS = 4
const PER_ADDRESS = 50
// Node checks the deadlines once a second (scripts/start.mjs), so a deadline is met within about
// one second; the rest is a busy machine.
const SLACK_MS = 2_000

/** A request whose headers never end: a byte every 500 ms of a header that goes on and on. */
const slowHeaders = 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '
/** A login whose form body promises 1,000 bytes. */
const slowBody = 'POST /api/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nusername='

function expectDetail(exchange: RawExchange, status: number): void {
  expect(exchange.status, exchange.text).toBe(status)
  expect(rawHeader(exchange, 'content-type'), exchange.text).toBe('application/json')
  expect(JSON.parse(exchange.body), exchange.text).toEqual({ detail: expect.any(String) })
  expect(exchange.gaveUp, 'the server closed the socket').toBe(false)
}

test('200 trickling sockets from one address: 50 get 408 at their deadline, 150 a 503 at once, and another address signs in meanwhile', async () => {
  test.setTimeout(120_000)
  const server = startServer(
    3231,
    {
      ...(process.env.DATABASE_URL ? {} : { DATA_DIR: freshDataDir('slow') }),
      HEADERS_TIMEOUT_SECONDS: String(HEADERS_SECONDS),
      REQUEST_TIMEOUT_SECONDS: String(REQUEST_SECONDS),
      MAX_CONNECTIONS_PER_IP: String(PER_ADDRESS),
    },
    'npm-start',
  )
  try {
    await waitForHealth(server)
    const { username } = await signUp({}, server.url)
    const login = `username=${username}&password=${encodeURIComponent(PASSWORD)}`
    const started = Date.now()

    // Three kinds from 127.0.0.3: headers that never end, a body that trickles, a body that stops.
    // (Not 127.0.0.1, where fetch may still hold a keep-alive connection from the sign-up.)
    const kinds = ['headers', 'body', 'stalled'] as const
    const slow = Array.from({ length: 200 }, (_, n) => {
      const kind = kinds[n % 3]!
      const request = kind === 'headers' ? slowHeaders : kind === 'body' ? slowBody : `${slowBody}x`
      const trickle = kind === 'stalled' ? undefined : { bytes: 'abcdefgh', everyMs: 500 }
      return rawRequest(server.url, request, { from: '127.0.0.3', trickle, limitMs: 20_000 }).then((exchange) => ({ kind, exchange }))
    })

    // A keep-alive connection left idle after its answer is closed by the server (Node's default, 5 s).
    const idle = rawRequest(server.url, 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', { from: '127.0.0.2' })
    // Meanwhile another client, from 127.0.0.2: health and a login, answered in time, three times over.
    const other: RawExchange[] = []
    for (const at of [500, 1_500, 3_000]) {
      await new Promise((resolve) => setTimeout(resolve, started + at - Date.now()))
      other.push(await rawRequest(server.url, 'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', { from: '127.0.0.2' }))
      other.push(
        await rawRequest(
          server.url,
          `POST /api/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${login.length}\r\nConnection: close\r\n\r\n${login}`,
          { from: '127.0.0.2' },
        ),
      )
    }

    const results = await Promise.all(slow)
    for (const exchange of other) {
      expect(exchange.status, exchange.text).toBe(200)
      expect(exchange.answeredAfter!, 'answered in time').toBeLessThan(2_000)
    }
    const { status, gaveUp, answeredAfter, closedAfter } = await idle
    expect(status).toBe(200)
    expect(gaveUp).toBe(false)
    expect(closedAfter - answeredAfter!).toBeLessThan(5_000 + SLACK_MS)

    const refused = results.filter(({ exchange }) => exchange.status === 503)
    const admitted = results.filter(({ exchange }) => exchange.status !== 503)
    expect(admitted).toHaveLength(PER_ADDRESS)
    for (const { exchange } of refused) {
      expectDetail(exchange, 503)
      expect(rawHeader(exchange, 'connection')).toBe('close')
      expect(exchange.closedAfter, 'a refused socket is closed at once').toBeLessThan(SLACK_MS)
    }
    for (const { kind, exchange } of admitted) {
      expectDetail(exchange, 408)
      const deadline = (kind === 'headers' ? HEADERS_SECONDS : REQUEST_SECONDS) * 1000
      expect(exchange.answeredAfter!, `${kind}: 408 at the deadline`).toBeGreaterThanOrEqual(deadline - 100)
      expect(exchange.answeredAfter!, `${kind}: 408 at the deadline`).toBeLessThan(deadline + SLACK_MS)
      expect(exchange.closedAfter, `${kind}: closed after the 408`).toBeLessThan(deadline + SLACK_MS)
    }
    const slowest = Math.max(...results.map(({ exchange }) => exchange.closedAfter))
    console.log(`${admitted.length} admitted and closed with 408 by ${slowest} ms, ${refused.length} refused with 503; the other client's six answers took at most ${Math.max(...other.map((exchange) => exchange.answeredAfter!))} ms; an idle keep-alive socket was closed ${closedAfter - answeredAfter!} ms after its answer`)
    // Abandoned, not failed: no error line for a body cut off at its deadline.
    expect(server.output()).not.toMatch(/request failed|uncaught|error|aborted/i)
  } finally {
    await server.stop()
  }
})

test('behind a proxy (TRUST_PROXY) only the per-process cap applies: every connection comes from the proxy', async () => {
  // No database needed: connections are admitted or refused before any request is read.
  test.skip(!!process.env.DATABASE_URL, 'no database involved: once, in the embedded run')
  const server = startServer(3232, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', TRUST_PROXY: '1', MAX_CONNECTIONS: '20', MAX_CONNECTIONS_PER_IP: '5' }, 'npm-start')
  try {
    // Not waitForHealth: its fetch could keep a connection open, which would count.
    await waitForOutput(server, 'passgate: ready on')
    const silent = await Promise.all(Array.from({ length: 25 }, () => rawRequest(server.url, '', { limitMs: 1_500 })))
    const refused = silent.filter((exchange) => exchange.status === 503)
    expect(refused).toHaveLength(5)
    for (const exchange of refused) expectDetail(exchange, 503)
    expect(silent.filter((exchange) => exchange.gaveUp), 'the other 20 were admitted and kept waiting').toHaveLength(20)
  } finally {
    await server.stop()
  }
})

test('the default deadline: a connection that sends nothing gets a 408 after 15 s', async () => {
  test.skip(!!process.env.DATABASE_URL, 'no database involved: once, in the embedded run')
  test.setTimeout(60_000)
  const exchange = await rawRequest(BASE_URL, '', { limitMs: 30_000 })
  expectDetail(exchange, 408)
  expect(exchange.answeredAfter!).toBeGreaterThanOrEqual(15_000 - 100)
  expect(exchange.answeredAfter!).toBeLessThan(15_000 + SLACK_MS)
})
