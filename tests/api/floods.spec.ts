import { expect, test } from '../fixtures'
import { PASSWORD, api, bearer, logIn, me, requestToken, signUp, uniqueName, withSql } from '../helpers'
import { freshDataDir, startServer, waitForHealth } from '../servers'

// What a flood of refused requests leaves behind (a handful of audit rows and log lines, each with
// a count, never one per request), and what a password typed into the username field leaves
// (nothing that holds it).

const embedded = !process.env.DATABASE_URL
const WRONG = 'not the password at all'

type AuditItem = { kind: string; target_id: number | null; detail: Record<string, unknown> }

/** `times` wrong-password logins for `username`, ten at a time; the statuses they got. */
async function guess(username: string, times: number, base?: string): Promise<number[]> {
  const statuses: number[] = []
  for (let sent = 0; sent < times; sent += 10) {
    const batch = Array.from({ length: Math.min(10, times - sent) }, () => requestToken(username, WRONG, {}, base))
    statuses.push(...(await Promise.all(batch)).map((response) => response.status))
  }
  return statuses
}

test('150 wrong logins for one name leave a handful of audit rows with a count, and the real events stay on the first page', async ({ admin }) => {
  const user = await signUp()
  await logIn(user.username)
  const statuses = await guess(user.username, 150)
  expect(statuses.filter((status) => status === 401)).toHaveLength(5)
  expect(statuses.filter((status) => status === 429)).toHaveLength(145)

  const page = await (await api(`/api/audit?user_id=${user.id}`, { headers: bearer(admin.token) })).json()
  const items = page.items as AuditItem[]
  expect(page.next_cursor).toBeNull()
  expect(items.length, JSON.stringify(items)).toBeLessThanOrEqual(8)
  expect(items.map((item) => item.kind)).toContain('login_succeeded')
  expect(items.filter((item) => item.kind === 'login_failed')).toHaveLength(5)
  const refused = items.filter((item) => item.kind === 'throttled')
  expect(refused).toHaveLength(1)
  expect(refused[0]!.detail).toEqual({ action: 'login', username: user.username, count: 145 })
})

test('a password typed into the username field is kept nowhere: not in the audit log, the throttles or the log', async ({ admin }) => {
  // Fits the username rule, names no account: the kind of thing typed one field too early.
  const typed = `Tr0ub4dor.${uniqueName('x').slice(-6)}.3`
  const statuses = await guess(typed, 8)
  expect(statuses.filter((status) => status === 401)).toHaveLength(5)
  expect(statuses.filter((status) => status === 429)).toHaveLength(3)
  for (const kind of ['login_failed', 'throttled']) {
    const page = await (await api(`/api/audit?kind=${kind}`, { headers: bearer(admin.token) })).json()
    expect(JSON.stringify(page).toLowerCase()).not.toContain(typed.toLowerCase())
    expect((page.items as AuditItem[]).some((item) => item.target_id === null && typeof item.detail.unknown_username === 'string')).toBe(true)
  }
  if (!embedded) {
    const rows = await withSql(
      (sql) => sql`select (select count(*) from audit_events where detail::text ilike ${`%${typed}%`})::int as audit,
                          (select count(*) from throttles where key ilike ${`%${typed}%`})::int as throttles`,
    )
    expect(rows[0]).toEqual({ audit: 0, throttles: 0 })
  }
})

test('the log has one line per refusing window, not per request, and never a name typed for no account', async () => {
  test.setTimeout(90_000)
  const server = startServer(3144, { LOG_LEVEL: 'info', DATA_DIR: freshDataDir('floods'), THROTTLE_KEY_FAILURES_PER_IP: '20' })
  try {
    await waitForHealth(server)
    const user = await signUp({}, server.url)
    const typed = `Tr0ub4dor.${uniqueName('x').slice(-6)}.3`
    await guess(typed, 3, server.url)
    expect((await guess(user.username, 150, server.url)).filter((status) => status === 429)).toHaveLength(145)
    expect((await requestToken(user.username, PASSWORD, {}, server.url)).status).toBe(429) // still in the window
    // Made-up personal access tokens: 20 failures a window, then refusals before any query.
    const keys = Array.from({ length: 30 }, (_, i) => `pgk_${String(i).padStart(43, 'x')}`)
    const keyStatuses = []
    for (const key of keys) keyStatuses.push((await me(key, server.url)).status)
    expect(keyStatuses.filter((status) => status === 401)).toHaveLength(20)
    expect(keyStatuses.filter((status) => status === 429)).toHaveLength(10)
    // A refused key is recorded after its answer (a key check never waits on the database): its
    // lines may come a moment after the last answer, through a pooler more so.
    const logged = () => server.output().split('\n').filter((line) => line.startsWith('{'))
    const keyLines = () => logged().filter((line) => line.includes('"event":"key_rejected"') || line.includes('"action":"key_lookup"'))
    await expect.poll(() => keyLines().length).toBe(2)
    const lines = logged()
    expect(lines.filter((line) => line.includes('"event":"login_failed"'))).toHaveLength(8)
    expect(lines.filter((line) => line.includes('"event":"throttled"'))).toHaveLength(2)
    expect(lines.filter((line) => line.includes('"event":"throttled"') && line.includes('"action":"key_lookup"'))).toHaveLength(1)
    expect(lines.filter((line) => line.includes('"event":"key_rejected"'))).toHaveLength(1)
    expect(server.output().toLowerCase()).not.toContain(typed.toLowerCase())
    for (const key of keys) expect(server.output()).not.toContain(key.slice(4, 20))
  } finally {
    await server.stop()
  }
})

test('made-up keys are audited once per window with a count, and never a piece of the key', async ({ admin }) => {
  const rejected = async () => (await (await api('/api/audit?kind=key_rejected', { headers: bearer(admin.token) })).json()).items as AuditItem[]
  const before = await rejected()
  const made = Array.from({ length: 5 }, (_, i) => `pgk_${String(i).padStart(43, 'q')}`)
  for (const key of made) expect((await me(key)).status).toBe(401)
  // Recorded after the answers: at most one new row (a window may have just begun), counting them.
  await expect.poll(async () => Math.max(0, ...(await rejected()).map((item) => Number(item.detail.count))), { timeout: 10_000 }).toBeGreaterThanOrEqual(5)
  const after = await rejected()
  expect(after.length - before.length).toBeLessThanOrEqual(1)
  expect(JSON.stringify(after)).not.toContain('qqqq')
})
