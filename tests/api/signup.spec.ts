import { expect, test } from '../fixtures'
import { PASSWORD, api, postJson, signUp, uniqueName } from '../helpers'

test.describe('sign-up: POST /api/users', () => {
  test('creates a user and answers 200 with the public user, never the hash', async () => {
    const username = uniqueName()
    const response = await postJson('/api/users', { username, password: PASSWORD, email: 'a@example.com', full_name: 'Ada Lovelace' })
    expect(response.status).toBe(200)
    const user = await response.json()
    expect(Object.keys(user).sort()).toEqual(['created_at', 'disabled', 'email', 'email_verified', 'full_name', 'id', 'role', 'username'])
    expect(user).toMatchObject({ username, email: 'a@example.com', email_verified: false, full_name: 'Ada Lovelace', disabled: false, role: 'user' })
    expect(JSON.stringify(user)).not.toContain('$2')
  })

  test('a taken username is 409, also when it differs only in letter case', async ({ user: { username } }) => {
    for (const again of [username, username.toUpperCase()]) {
      const response = await postJson('/api/users', { username: again, password: PASSWORD })
      expect(response.status).toBe(409)
      expect(await response.json()).toEqual({ detail: 'Username already registered' })
    }
  })

  test('answers with and without a trailing slash', async () => {
    const response = await postJson('/api/users/', { username: uniqueName(), password: PASSWORD })
    expect(response.status).toBe(200)
  })

  const same = uniqueName('same')
  const invalid: [string, Record<string, unknown>, string][] = [
    ['username too short', { username: 'ab' }, 'username'],
    ['username too long', { username: 'a'.repeat(33) }, 'username'],
    ['username with a space', { username: 'bad name' }, 'username'],
    ['username with a NUL byte', { username: 'nul\u0000name' }, 'username'],
    ['username not a string', { username: 12345 }, 'username'],
    ['password too short', { password: 'short12' }, 'password'],
    ['password over 72 bytes', { password: 'é'.repeat(37) }, 'password'],
    ['password with a NUL byte', { password: 'correct\u0000horse' }, 'password'],
    ['password with a lone surrogate', { password: 'correct horse \ud800' }, 'password'],
    ['password equal to the username', { username: same, password: same.toUpperCase() }, 'password'],
    ['email not an address', { email: 'not-an-email' }, 'email'],
    ['email over 254 characters', { email: `${'a'.repeat(250)}@example.com` }, 'email'],
    ['full name with a control character', { full_name: 'Ada\u0007' }, 'full_name'],
    ['full name over 100 characters', { full_name: 'x'.repeat(101) }, 'full_name'],
  ]
  for (const [name, fields, field] of invalid) {
    test(`422 names the field: ${name}`, async () => {
      const body = { username: uniqueName(), password: PASSWORD, ...fields }
      const response = await postJson('/api/users', body)
      expect(response.status).toBe(422)
      const { detail } = await response.json()
      expect(detail).toEqual(
        expect.arrayContaining([expect.objectContaining({ loc: ['body', field], msg: expect.any(String), type: expect.any(String) })]),
      )
      // Nothing was written: a valid sign-up with the same (valid) username still succeeds.
      if (field !== 'username') {
        expect((await postJson('/api/users', { username: body.username, password: PASSWORD })).status).toBe(200)
      }
    })
  }

  test('a missing field is 422 "Field required" with its loc', async () => {
    const response = await postJson('/api/users', { username: uniqueName() })
    expect(response.status).toBe(422)
    expect(await response.json()).toEqual({ detail: [{ loc: ['body', 'password'], msg: 'Field required', type: 'missing' }] })
  })

  test('72 bytes of password is accepted (the bcrypt limit, counted in UTF-8)', async () => {
    await signUp({ password: 'é'.repeat(36) })
  })

  const badBodies: [string, RequestInit, number][] = [
    ['malformed JSON', { headers: { 'content-type': 'application/json' }, body: '{"username": ' }, 422],
    ['a JSON array', { headers: { 'content-type': 'application/json' }, body: '[]' }, 422],
    ['invalid UTF-8', { headers: { 'content-type': 'application/json' }, body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) }, 422],
    ['a form where JSON is expected', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=x&password=y' }, 415],
    ['no content type', { body: '{}' }, 415],
    ['a 1 MB username', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'a'.repeat(1 << 20), password: PASSWORD }) }, 413],
  ]
  for (const [name, init, status] of badBodies) {
    test(`${name} is ${status} with a detail`, async () => {
      const response = await api('/api/users', { method: 'POST', ...init })
      expect(response.status).toBe(status)
      expect(response.headers.get('content-type')).toContain('application/json')
      expect(await response.json()).toHaveProperty('detail')
    })
  }
})
