import { expect, expectFieldError, expectNotAuthenticated, test } from '../fixtures'
import { api, bearer, newSession, patchJson, postJson, withSql } from '../helpers'

// The notes resource: the tutorial's example, owned per user and validated like everything else.

type Note = { id: number; text: string; completed: boolean; created_at: string }

async function addNote(token: string, body: Record<string, unknown>): Promise<Note> {
  const response = await postJson('/api/notes', body, bearer(token))
  expect(response.status, await response.clone().text()).toBe(201)
  return response.json()
}

test('a note is created, read, listed, changed and deleted by its owner', async ({ session: { token, username } }) => {
  expect(await (await api('/api/notes', { headers: bearer(token) })).json()).toEqual([])

  const first = await addNote(token, { text: 'buy milk' })
  expect(first).toEqual({ id: expect.any(Number), text: 'buy milk', completed: false, created_at: expect.any(String) })
  expect(Date.now() - Date.parse(first.created_at)).toBeLessThan(60_000)
  const second = await addNote(token, { text: 'Grüße, 日本 🎉', completed: true })

  expect(await (await api('/api/notes', { headers: bearer(token) })).json()).toEqual([first, second])
  expect(await (await api(`/api/notes/${first.id}`, { headers: bearer(token) })).json()).toEqual(first)

  const ticked = await patchJson(`/api/notes/${first.id}`, { completed: true }, bearer(token))
  expect(ticked.status).toBe(200)
  expect(await ticked.json()).toEqual({ ...first, completed: true })
  const renamed = await patchJson(`/api/notes/${first.id}`, { text: 'buy oat milk', completed: false }, bearer(token))
  expect(await renamed.json()).toEqual({ ...first, text: 'buy oat milk' })

  // The tutorial's /users/me/items shape, from the same rows.
  expect(await (await api('/api/users/me/items/', { headers: bearer(token) })).json()).toEqual([
    { item_id: first.id, owner: username, text: 'buy oat milk', completed: false },
    { item_id: second.id, owner: username, text: 'Grüße, 日本 🎉', completed: true },
  ])

  const deleted = await api(`/api/notes/${first.id}`, { method: 'DELETE', headers: bearer(token) })
  expect(deleted.status).toBe(204)
  expect(await deleted.text()).toBe('')
  expect((await api(`/api/notes/${first.id}`, { headers: bearer(token) })).status).toBe(404)
  expect((await api(`/api/notes/${first.id}`, { method: 'DELETE', headers: bearer(token) })).status).toBe(404)
  expect(await (await api('/api/notes', { headers: bearer(token) })).json()).toEqual([second])
})

test("another user's note is a 404 for every method, and stays as it was", async ({ session: owner }) => {
  const other = await newSession()
  const note = await addNote(owner.token, { text: 'private' })
  for (const response of [
    await api(`/api/notes/${note.id}`, { headers: bearer(other.token) }),
    await patchJson(`/api/notes/${note.id}`, { text: 'defaced' }, bearer(other.token)),
    await api(`/api/notes/${note.id}`, { method: 'DELETE', headers: bearer(other.token) }),
  ]) {
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ detail: 'Note not found' })
  }
  // Exactly what a note that never existed answers.
  const missing = await api('/api/notes/2147483647', { headers: bearer(other.token) })
  expect([missing.status, await missing.json()]).toEqual([404, { detail: 'Note not found' }])
  expect(await (await api('/api/notes', { headers: bearer(other.token) })).json()).toEqual([])
  expect(await (await api(`/api/notes/${note.id}`, { headers: bearer(owner.token) })).json()).toEqual(note)
})

test('bad note input is a 422 in FastAPI shape, a bad id a 404, and nothing is written', async ({ session: { token } }) => {
  const cases: [unknown, string][] = [
    [{}, 'text'],
    [{ text: '' }, 'text'],
    [{ text: '   ' }, 'text'],
    [{ text: 'x'.repeat(1001) }, 'text'],
    [{ text: 'line\nbreak' }, 'text'],
    [{ text: 'bell\u0007' }, 'text'],
    [{ text: 'nul\u0000' }, 'text'],
    [{ text: 42 }, 'text'],
    [{ text: 'ok', completed: 'yes' }, 'completed'],
  ]
  for (const [body, field] of cases) {
    await expectFieldError(await postJson('/api/notes', body, bearer(token)), ['body', field])
  }
  const extra = await postJson('/api/notes', { text: 'ok', owner_id: 1 }, bearer(token))
  expect(extra.status).toBe(422)
  expect((await addNote(token, { text: 'x'.repeat(1000) })).text).toHaveLength(1000)

  const note = await addNote(token, { text: 'keep me' })
  for (const body of [{}, { text: '' }, { completed: null }, { owner_id: 2 }]) {
    expect((await patchJson(`/api/notes/${note.id}`, body, bearer(token))).status, JSON.stringify(body)).toBe(422)
  }
  for (const id of ['abc', '0', '-1', '1.5', '99999999999', '%00']) {
    expect((await api(`/api/notes/${id}`, { headers: bearer(token) })).status, id).toBe(404)
  }
  expect((await api('/api/notes', { headers: bearer(token) }).then((r) => r.json())).map((n: Note) => n.text)).toEqual(['x'.repeat(1000), 'keep me'])
})

test('notes need a signed-in caller', async () => {
  await expectNotAuthenticated(await api('/api/notes'))
  expect((await postJson('/api/notes', { text: 'x' })).status).toBe(401)
  expect((await api('/api/notes/1', { method: 'DELETE' })).status).toBe(401)
})

test('a user keeps at most 1000 notes, even when the last ones race', async ({ session: { id, token } }) => {
  test.skip(!process.env.DATABASE_URL, 'fills the table from a second connection: PostgreSQL only')
  await withSql((sql) => sql`insert into notes (owner_id, text) select ${id}, 'filler ' || n from generate_series(1, 995) n`)
  const answers = await Promise.all(Array.from({ length: 10 }, (_, n) => postJson('/api/notes', { text: `racer ${n}` }, bearer(token))))
  expect(answers.map((response) => response.status).sort()).toEqual([201, 201, 201, 201, 201, 409, 409, 409, 409, 409])
  const refused = answers.find((response) => response.status === 409)!
  expect(await refused.json()).toEqual({ detail: 'You already have 1000 notes: delete some first' })
  expect(await withSql((sql) => sql`select count(*)::int as count from notes where owner_id = ${id}`)).toEqual([{ count: 1000 }])
})
