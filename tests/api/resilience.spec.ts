import net from 'node:net'
import { expect, test } from '../fixtures'
import { PASSWORD, api, bearer, changePassword, directDatabaseUrl, logOut, me, postJson, refreshGrant, requestToken, signUp, uniqueName, withSql } from '../helpers'
import { freshDataDir, startServer, waitForHealth } from '../servers'

// Races, a database that goes away and comes back, what production refuses, and what the logs
// never contain.

test('50 concurrent sign-ups of one username: exactly one 200, 49 times 409, one row', async () => {
  test.setTimeout(60_000)
  const username = uniqueName('race')
  const responses = await Promise.all(Array.from({ length: 50 }, () => postJson('/api/users', { username, password: PASSWORD })))
  const statuses = responses.map((response) => response.status).sort()
  expect(statuses.filter((status) => status === 200)).toHaveLength(1)
  expect(statuses.filter((status) => status === 409)).toHaveLength(49)
  if (process.env.DATABASE_URL) {
    await withSql(async (sql) => expect(await sql`select id from users where lower(username) = lower(${username})`).toHaveLength(1))
  }
})

/** A TCP proxy we control between the app and PostgreSQL: cut() drops every connection and refuses new ones. */
function tcpProxy(target: URL): Promise<{ port: number; cut: () => void; restore: () => void; close: () => void }> {
  const sockets = new Set<net.Socket>()
  let open = true
  const server = net.createServer((client) => {
    if (!open) return client.destroy()
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => {
        sockets.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        cut: () => {
          open = false
          for (const socket of sockets) socket.destroy()
        },
        restore: () => {
          open = true
        },
        close: () => server.close(),
      }),
    ),
  )
}

test('when PostgreSQL goes away: 503 within seconds, health says so, and service resumes without a restart', async () => {
  test.skip(!process.env.DATABASE_URL, 'the embedded store has no network to lose')
  test.setTimeout(120_000)
  const target = new URL(directDatabaseUrl())
  const proxy = await tcpProxy(target)
  const viaProxy = new URL(target)
  viaProxy.hostname = '127.0.0.1'
  viaProxy.port = String(proxy.port)
  const server = startServer(3141, { DATABASE_URL: viaProxy.toString(), DATABASE_URL_UNPOOLED: '' })
  const signUpThere = (username: string) => postJson('/api/users', { username, password: PASSWORD }, {}, server.url)
  try {
    await waitForHealth(server)
    const before = uniqueName('durable')
    expect((await signUpThere(before)).status).toBe(200)

    proxy.cut()
    for (const request of [() => fetch(`${server.url}/api/health`), () => signUpThere(uniqueName())]) {
      const started = Date.now()
      const response = await request()
      expect(Date.now() - started).toBeLessThan(6_000)
      expect(response.status).toBe(503)
      expect(await response.json()).toMatchObject({ detail: 'Service unavailable' })
    }
    expect((await requestToken(before, PASSWORD, {}, server.url)).status).toBe(503)

    proxy.restore()
    await waitForHealth(server, 200, 20_000)
    expect((await requestToken(before, PASSWORD, {}, server.url)).status).toBe(200) // the sign-up acknowledged before the outage is there
    expect(server.output()).not.toMatch(/\n\s+at /) // no stack trace in the log
  } finally {
    await server.stop()
    proxy.close()
  }
})

test('on Vercel without DATABASE_URL, start-up refuses rather than lose data', async () => {
  const server = startServer(3142, { VERCEL: '1', DATABASE_URL: '', DATA_DIR: freshDataDir('vercel') })
  expect(await server.exited).toBe(1)
  expect(server.output()).toContain('passgate cannot start: DATABASE_URL is not set. On Vercel the embedded database would lose its data')
})

test('the log records each event, and never a password or a token', async () => {
  test.setTimeout(90_000)
  const server = startServer(3143, { LOG_LEVEL: 'info', DATA_DIR: freshDataDir('log') })
  try {
    await waitForHealth(server)
    const username = uniqueName('logged')
    const password = 'a very secret passphrase 9137'
    await signUp({ username, password }, server.url)
    expect((await requestToken(username, `${password}-wrong`, {}, server.url)).status).toBe(401)
    const tokens = await (await requestToken(username, password, {}, server.url)).json()
    const renewed = await (await refreshGrant(tokens.refresh_token, server.url)).json()
    const { id: keyId, key } = await (await postJson('/api/keys', { name: 'logged key', scopes: ['read'] }, bearer(renewed.access_token), server.url)).json()
    expect((await me(key, server.url)).status).toBe(200)
    expect((await api(`/api/keys/${keyId}`, { method: 'DELETE', headers: bearer(renewed.access_token) }, server.url)).status).toBe(204)
    const newPassword = 'another secret passphrase 2260'
    expect((await changePassword(renewed.access_token, password, newPassword, {}, server.url)).status).toBe(204)
    expect((await logOut(renewed.access_token, server.url)).status).toBe(204)

    await expect.poll(() => server.output()).toContain('"event":"logout"')
    const log = server.output()
    for (const event of ['signed_up', 'login_failed', 'login_succeeded', 'token_refreshed', 'key_created', 'key_deleted', 'password_changed', 'logout']) {
      expect(log).toContain(`"event":"${event}"`)
    }
    for (const secret of [password, newPassword, tokens.access_token, tokens.refresh_token, renewed.access_token, renewed.refresh_token, key, key.slice(12)]) {
      expect(log).not.toContain(secret)
    }
    // Nor any piece of a token (a signature alone would be enough to worry about).
    expect(log).not.toContain(tokens.access_token.split('.')[2])
    expect(log).not.toMatch(/\$2[aby]\$/) // no bcrypt hash
  } finally {
    await server.stop()
  }
})
