import { expect, test } from '@playwright/test'
import { SignJWT } from 'jose'
import { COMMON_PASSWORD_COUNT } from '../../lib/credentials/common-passwords'
import { normalizeIp } from '../../lib/request/ip-address.mjs'
import { hashPassword, verifyPassword } from '../../lib/credentials/password'
import { signAccessToken, verifyAccessToken } from '../../lib/credentials/tokens'
import { safeNextPath } from '../../lib/request/next-path'
import { NewKeySchema, NewNoteSchema, PasswordSchema, ProfileSchema, SignUpSchema } from '../../lib/credentials/validation'

const secret = new TextEncoder().encode(process.env.AUTH_SECRET)

test.describe('password rules (NIST SP 800-63B)', () => {
  const cases: [string, string, boolean][] = [
    ['7 characters', 'abcdefg', false],
    ['8 characters', 'abcdefgh', true],
    ['8 characters of emoji (32 bytes)', '🔑'.repeat(8), true],
    ['72 bytes', 'x'.repeat(72), true],
    ['73 bytes', 'x'.repeat(73), false],
    ['73 bytes in two-byte characters', 'x' + 'é'.repeat(36), false],
    ['a NUL byte', 'abcdefgh\u0000', false],
    ['a lone surrogate', 'abcdefgh\ud800', false],
    ['spaces and symbols, no composition rules', 'all lower case words', true],
  ]
  for (const [name, password, ok] of cases) {
    test(`${ok ? 'accepts' : 'refuses'} ${name}`, () => {
      expect(PasswordSchema.safeParse(password).success).toBe(ok)
    })
  }

  test('refuses the username as password, in any letter case', () => {
    const result = SignUpSchema.safeParse({ username: 'Quetzal_Coatl9', password: 'qUETZAL_cOATL9' })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]).toMatchObject({ path: ['password'], message: 'Password must not be the username' })
  })
})

test.describe('password hashing', () => {
  test('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery')
    expect(hash).toMatch(/^\$2[aby]\$\d\d\$/)
    expect(await verifyPassword('correct horse battery', hash)).toBe(true)
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false)
  })

  test('refuses a longer password that shares the 72 bytes bcrypt looks at', async () => {
    const password = 'z'.repeat(72)
    const hash = await hashPassword(password)
    expect(await verifyPassword(password, hash)).toBe(true)
    expect(await verifyPassword(`${password}extra`, hash)).toBe(false)
  })

  test('verifies hashes made by passlib (the FastAPI tutorial database), $2b$ and $2y$', async () => {
    // FastAPI's tutorial user "johndoe", password "secret", hashed by passlib.
    const passlib = '$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW'
    expect(await verifyPassword('secret', passlib)).toBe(true)
    expect(await verifyPassword('secret', passlib.replace('$2b$', '$2y$'))).toBe(true)
    expect(await verifyPassword('Secret', passlib)).toBe(false)
  })

  test('an unknown user (no hash) is refused', async () => {
    expect(await verifyPassword('anything at all', null)).toBe(false)
  })
})

test.describe('access tokens', () => {
  const claims = { userId: 42, sessionId: '6f1c1f4e-3c2b-4d5e-8f90-123456789abc' }

  test('round-trip the user and session', async () => {
    expect(await verifyAccessToken(await signAccessToken(claims))).toEqual(claims)
  })

  test('refuse other algorithms, missing claims and expired tokens', async () => {
    const now = Math.floor(Date.now() / 1000)
    const base = { sub: '42', sid: claims.sessionId, iss: 'passgate', aud: 'passgate', iat: now, exp: now + 60 }
    const sign = (payload: object, alg = 'HS256') => new SignJWT({ ...payload }).setProtectedHeader({ alg }).sign(secret)
    expect(await verifyAccessToken(await sign(base))).toEqual(claims)
    expect(await verifyAccessToken(await sign(base, 'HS384'))).toBeNull()
    expect(await verifyAccessToken(await sign({ ...base, exp: now - 1 }))).toBeNull()
    expect(await verifyAccessToken(await sign({ ...base, exp: undefined }))).toBeNull()
    expect(await verifyAccessToken(await sign({ ...base, sid: 'not-a-uuid' }))).toBeNull()
    expect(await verifyAccessToken(await sign({ ...base, sub: 'alice' }))).toBeNull()
    expect(await verifyAccessToken(await sign({ ...base, aud: 'other' }))).toBeNull()
  })
})

test.describe('the `next` path after login', () => {
  const cases: [string | null, string][] = [
    ['/admin', '/admin'],
    ['/admin?tab=sessions', '/admin?tab=sessions'],
    ['//evil.example', '/admin'],
    ['/\\evil.example', '/admin'],
    ['https://evil.example', '/admin'],
    ['/\tevil', '/admin'],
    // Dot segments that normalize into a scheme-relative URL.
    ['/.//evil.example', '/admin'],
    ['/..//evil.example', '/admin'],
    ['/a/..//evil.example', '/admin'],
    ['/%2e%2e//evil.example', '/admin'],
    ['/%2e//evil.example', '/admin'],
    ['/日本?q=é', '/%E6%97%A5%E6%9C%AC?q=%C3%A9'],
    [null, '/admin'],
  ]
  for (const [value, expected] of cases) {
    test(`${JSON.stringify(value)} leads to ${expected}`, () => {
      expect(safeNextPath(value)).toBe(expected)
    })
  }
})

test.describe('common passwords', () => {
  test('the list holds at least the 10,000 most common, matched in any letter case', () => {
    expect(COMMON_PASSWORD_COUNT).toBeGreaterThanOrEqual(10_000)
    for (const password of ['password1', 'Password1', 'qwertyuiop', 'baseball1']) {
      expect(PasswordSchema.safeParse(password).error?.issues[0]?.message).toBe('This password is too common: choose another')
    }
    expect(PasswordSchema.safeParse('correct horse battery').success).toBe(true)
  })
})

test.describe('client addresses, one canonical form per client', () => {
  const cases: [string, string | null][] = [
    ['203.0.113.9', '203.0.113.9'],
    ['203.0.113.9:5678', '203.0.113.9'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['2001:db8:0:1:aaaa::1', '2001:db8:0:1::/64'],
    ['2001:0DB8:0000:0001:bbbb:cccc:dddd:eeee', '2001:db8:0:1::/64'],
    ['[2001:db8:0:1::2]:443', '2001:db8:0:1::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '::1'],
    ['[::1]:3000', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::2', '0:0:0:0::/64'],
    ['not an address', null],
    ['1.2.3.4.5', null],
    ['', null],
  ]
  for (const [raw, expected] of cases) {
    test(`${JSON.stringify(raw)} -> ${expected}`, () => {
      expect(normalizeIp(raw)).toBe(expected)
    })
  }
})

test.describe('text that shows nothing', () => {
  const cases: [string, string, unknown, boolean][] = [
    ['a note of one zero-width space', 'note', { text: '\u200B' }, false],
    ['a note of joiners, a word joiner and a BOM', 'note', { text: '\u200D\u200C\u2060\uFEFF ' }, false],
    ['a note with a zero-width space inside words', 'note', { text: 'buy\u200Bmilk' }, true],
    ['a key name of zero-width characters', 'key', { name: '\u200B\u200B', scopes: ['read'] }, false],
    ['a key name with a zero-width space', 'key', { name: 'ci\u200Bdeploy', scopes: ['read'] }, false],
    ['a key name with an emoji sequence (ZWJ)', 'key', { name: 'deploy 👩\u200D💻', scopes: ['read'] }, true],
    ['a full name of a Hangul filler', 'profile', { full_name: '\u3164' }, false],
    ['a full name with a soft hyphen', 'profile', { full_name: 'Ada\u00ADLovelace' }, false],
    ['a Persian full name with a ZWNJ', 'profile', { full_name: 'می\u200Cخواهم' }, true],
    ['an empty full name (cleared)', 'profile', { full_name: '' }, true],
  ]
  const schemas = { note: NewNoteSchema, key: NewKeySchema, profile: ProfileSchema }
  for (const [name, kind, body, ok] of cases) {
    test(`${ok ? 'accepts' : 'refuses'} ${name}`, () => {
      expect(schemas[kind as keyof typeof schemas].safeParse(body).success).toBe(ok)
    })
  }
})
