import bcrypt from 'bcryptjs'
import { getEnv } from './env'

// bcryptjs verifies hashes made by passlib and the bcrypt C library ($2a$, $2b$, $2y$), so a
// database from the FastAPI tutorial can be imported as it is.

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, getEnv().BCRYPT_COST)
}

let dummyHash: Promise<string> | undefined

/** Made once at start-up, so even the first unknown-user login costs only one comparison. */
export function prepareDummyHash(): Promise<string> {
  dummyHash ??= bcrypt.hash('passgate-dummy-password', getEnv().BCRYPT_COST)
  return dummyHash
}

/**
 * Compares in constant time (bcrypt's own comparison). With `hash === null` (no such user) it
 * still spends one bcrypt comparison at the configured cost, so an unknown username cannot be
 * told from a wrong password by timing (OWASP ASVS 5.0 V6.3.8).
 */
export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  // bcrypt ignores bytes past 72: "stored password + anything" must not verify.
  if (hash === null || bcrypt.truncates(password)) {
    await bcrypt.compare(password, await prepareDummyHash())
    return false
  }
  return bcrypt.compare(password, hash)
}
