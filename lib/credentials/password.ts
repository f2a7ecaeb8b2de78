import os from 'node:os'
import path from 'node:path'
import bcrypt from 'bcryptjs'
import { Piscina } from 'piscina'
import { getEnv } from '../platform/env'

// bcryptjs verifies hashes made by passlib and the bcrypt C library ($2a$, $2b$, $2y$), so a
// database from the FastAPI tutorial can be imported as it is.
//
// Every hash and comparison runs in a pool of HASH_WORKERS worker threads (piscina), at most the
// cores in all (lib/credentials/hash-worker.mjs): on the request thread, bcrypt's 100-400 ms of CPU would
// stall every other request, and bcryptjs's async API only slices that into ~100 ms stalls.

// On globalThis: Next gives instrumentation and each route bundle its own copy of this module, and
// they must share one pool (else each copy would start HASH_WORKERS threads of its own).
const shared = globalThis as typeof globalThis & { passgateHashPool?: Piscina }

function runInPool(task: { op: 'hash'; password: string; cost: number } | { op: 'compare'; password: string; hash: string }): Promise<unknown> {
  const env = getEnv()
  // The cores, shared out among the server processes: more hash threads than cores add no
  // logins per second, and take more CPU from requests during a login storm.
  const threads = env.HASH_WORKERS ?? Math.max(1, Math.floor(os.availableParallelism() / env.WEB_CONCURRENCY))
  shared.passgateHashPool ??= new Piscina({
    filename: path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'lib/credentials/hash-worker.mjs'),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    workerData: { nice: env.HASH_NICE },
  })
  return shared.passgateHashPool.run(task)
}

// Costs 4 to 17 only: bcryptjs throws below 4, and a cost of 31 takes a day per comparison.
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|1[0-7])\$[./A-Za-z0-9]{53}$/

/** True for a bcrypt hash this app can verify (the users table refuses anything else). */
export function isBcryptHash(hash: string): boolean {
  return BCRYPT_HASH.test(hash)
}

export async function hashPassword(password: string): Promise<string> {
  return (await runInPool({ op: 'hash', password, cost: getEnv().BCRYPT_COST })) as string
}

async function comparePassword(password: string, hash: string): Promise<boolean> {
  return (await runInPool({ op: 'compare', password, hash })) === true
}

/** A hash made at another cost than BCRYPT_COST is replaced at the user's next login. */
export function needsRehash(hash: string): boolean {
  return Number(BCRYPT_HASH.exec(hash)?.[1]) !== getEnv().BCRYPT_COST
}

let dummyHash: Promise<string> | undefined

/** Made once at start-up, so even the first unknown-user login costs only one comparison. */
export function prepareDummyHash(): Promise<string> {
  dummyHash ??= hashPassword('passgate-dummy-password').catch((error: unknown) => {
    dummyHash = undefined // the next login tries again
    throw error
  })
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
    await comparePassword(password, await prepareDummyHash())
    return false
  }
  return comparePassword(password, hash)
}
