import { expect, test } from '../fixtures'
import { type RawExchange, rawHeader, rawRequest } from '../raw-http'
import { startServer, waitForOutput } from '../servers'

// Request targets other than a path (RFC 9112 section 3.2): `*` (asterisk-form), a whole URL
// (absolute-form) and `host:port` (authority-form, for CONNECT). Node hands them to the server
// as they are; none may reach Next unchecked, which threw on `*` outside any catch (a 500 and an
// uncaught-exception line). Sent over a raw socket, since fetch cannot send them.

/** A JSON error with `detail`, the socket closed afterwards. */
function expectDetail(exchange: RawExchange, status: number): void {
  expect(exchange.status, exchange.text).toBe(status)
  expect(rawHeader(exchange, 'content-type'), exchange.text).toMatch(/^application\/json/)
  expect(JSON.parse(exchange.body), exchange.text).toEqual({ detail: expect.any(String) })
  expect(exchange.gaveUp, 'the server closed the socket').toBe(false)
}

test('`OPTIONS *` is 204, any other method on `*` a 400, CONNECT a 405, a malformed target a 400, a whole URL is served as its path; never a 500', async () => {
  // No database needed for any of these; a server of its own, to read what it logs.
  test.skip(!!process.env.DATABASE_URL, 'no database involved: once, in the embedded run')
  const server = startServer(3233, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, 'npm-start')
  try {
    await waitForOutput(server, 'passgate: ready on')
    const host = new URL(server.url).host
    const send = (line: string, headers = '', body = '') => rawRequest(server.url, `${line} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n${headers}\r\n${body}`)

    const options = await send('OPTIONS *')
    expect(options.status, options.text).toBe(204)
    expect(options.body).toBe('')
    for (const method of ['GET', 'HEAD', 'DELETE']) expect((await send(`${method} *`)).status).toBe(400)
    expectDetail(await send('GET *'), 400)
    expectDetail(await send('POST *', 'Content-Type: application/json\r\nContent-Length: 2\r\n', '{}'), 400)

    const connect = await rawRequest(server.url, `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`)
    expectDetail(connect, 405)
    expect(rawHeader(connect, 'allow')).toBeTruthy()
    for (const target of ['example.com:443', 'api/health', '%2Fapi']) expectDetail(await send(`GET ${target}`), 400)

    // RFC 9112 section 3.2.2: a server must accept a whole URL, taking the host from it.
    const absolute = await send(`GET http://${host}/api/openapi.json`)
    expect(absolute.status, absolute.text).toBe(200)
    expect(JSON.parse(absolute.body).openapi).toMatch(/^3\.1/)
    expectDetail(await send('GET http://elsewhere.example/api/no-such-thing'), 404)
    expectDetail(await send('GET ftp://elsewhere.example/api/health'), 400)

    expect(server.output()).not.toMatch(/Invalid URL|uncaught|request failed/i)
  } finally {
    await server.stop()
  }
})
