import { expect, test } from '@playwright/test'
import { isBcryptHash, needsRehash, verifyPassword } from '../../lib/credentials/password'

// Hashes that other stacks make: a FastAPI tutorial database must be importable as it is.

// Made by passlib 1.7.4 with the bcrypt backend:
// `passlib.hash.bcrypt.using(ident=ident, rounds=10).hash("correct horse battery")`.
const PASSLIB = {
  '2a': '$2a$10$T6pyH1bpnLKQTrD1BIX2PO3voxNcjD8I0o74zX5eWY2ytBrV5cDi2',
  '2b': '$2b$10$Sjlnd8ha75/X9tB.gGPcQeFCjsy8hVHqphdb0NJSi51E3qtT7Oi1.',
  '2y': '$2y$10$7VPMzT.UG0.EenNqgiHvz.yWxMlptDP9UipX8N9nuVkseJslgRdeW',
}
// The shape pwdlib's argon2 (today's FastAPI tutorial) stores.
const ARGON2 = '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObGG3sIDSVUwDk'

for (const [ident, hash] of Object.entries(PASSLIB)) {
  test(`a passlib $${ident}$ hash verifies the right password and only that`, async () => {
    expect(isBcryptHash(hash)).toBe(true)
    expect(await verifyPassword('correct horse battery', hash)).toBe(true)
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false)
  })
}

test('a hash at another cost than BCRYPT_COST (10 in tests) is due for a rehash', () => {
  expect(needsRehash(PASSLIB['2b'])).toBe(false)
  expect(needsRehash(PASSLIB['2b'].replace('$10$', '$12$'))).toBe(true)
})

test('a hash that is not bcrypt never verifies, and costs a full bcrypt comparison like an unknown user', async () => {
  expect(isBcryptHash(ARGON2)).toBe(false)
  await verifyPassword('warm up', null)
  const time = async (hash: string | null) => {
    const started = performance.now()
    expect(await verifyPassword('correct horse battery', hash)).toBe(false)
    return performance.now() - started
  }
  const unknown = Math.min(await time(null), await time(null), await time(null))
  const argon2 = Math.min(await time(ARGON2), await time(ARGON2), await time(ARGON2))
  // Not a 0 ms answer: the same bcrypt work as for a user who does not exist.
  expect(argon2).toBeGreaterThan(unknown * 0.5)
})
