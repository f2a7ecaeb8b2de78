import bcrypt from 'bcryptjs'
import { getEnv } from './env'

// bcryptjs verifies hashes made by passlib and the bcrypt C library ($2a$, $2b$, $2y$), so a
// database from the FastAPI tutorial can be imported as it is.

const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/

/** True for a bcrypt hash this app can verify (the users table refuses anything else). */
export function isBcryptHash(hash: string): boolean {
  return BCRYPT_HASH.test(hash)
}

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, getEnv().BCRYPT_COST)
}

/** A hash made at another cost than BCRYPT_COST is replaced at the user's next login. */
export function needsRehash(hash: string): boolean {
  return Number(BCRYPT_HASH.exec(hash)?.[1]) !== getEnv().BCRYPT_COST
}

let dummyHash: Promise<string> | undefined

/** Made once at start-up, so even the first unknown-user login costs only one comparison. */
export function prepareDummyHash(): Promise<string> {
  dummyHash ??= bcrypt.hash('passgate-dummy-password', getEnv().BCRYPT_COST)
  return dummyHash
}

/**
 * Compares in constant time (bcrypt's own comparison). With `hash === null` (no such user) or a
 * hash that is not bcrypt, it still spends one bcrypt comparison at the configured cost, so an
 * unknown username cannot be told from a wrong password by timing (OWASP ASVS 5.0 V6.3.8).
 */
export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  // bcrypt ignores bytes past 72: "stored password + anything" must not verify.
  if (hash === null || !isBcryptHash(hash) || bcrypt.truncates(password)) {
    await bcrypt.compare(password, await prepareDummyHash())
    return false
  }
  return bcrypt.compare(password, hash)
}
