import path from 'node:path'
import { max } from 'drizzle-orm'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { type PgDatabase, type PgQueryResultHKT, bigint, pgSchema } from 'drizzle-orm/pg-core'
import { dataPath, getEnv, isBuilding } from './env'
import * as schema from './schema'
import { describeError } from './log'
import { acquireStoreLock } from './store-lock'

// One Drizzle API over either PostgreSQL (postgres.js, when DATABASE_URL is set) or the embedded
// PGlite store in DATA_DIR/pglite. Nothing outside this module can tell which it has.

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>
/** A transaction, for changes that span two modules' tables (a new password ends sessions). */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

type Store = { db: Db; kind: 'postgres' | 'pglite'; close: () => Promise<void> }

// Cached on globalThis: Next gives route handlers, pages and dev hot reloads their own module
// instances, and each must reuse the one connection (for PGlite, the one owner of its folder).
const cache = globalThis as typeof globalThis & { passgateStore?: Promise<Store> }

const migrationsFolder = path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'drizzle')

export async function getDb(): Promise<Db> {
  return (await getStore()).db
}

function getStore(): Promise<Store> {
  if (isBuilding()) throw new Error('The database must not be opened during `next build`.')
  cache.passgateStore ??= openStore().catch((error: unknown) => {
    cache.passgateStore = undefined // let the next request try again
    throw error
  })
  return cache.passgateStore
}

async function openStore(): Promise<Store> {
  const url = getEnv().DATABASE_URL
  if (url !== undefined) {
    const { default: postgres } = await import('postgres')
    const { drizzle } = await import('drizzle-orm/postgres-js')
    const client = postgres(url, { max: 10, connect_timeout: 5, idle_timeout: 30, onnotice: () => {} })
    return { db: drizzle({ client, schema }), kind: 'postgres', close: () => client.end({ timeout: 5 }) }
  }
  const dir = dataPath('pglite')
  const release = await acquireStoreLock(dir)
  let client: import('@electric-sql/pglite').PGlite | undefined
  try {
    const { PGlite } = await import('@electric-sql/pglite')
    const { drizzle } = await import('drizzle-orm/pglite')
    const { migrate } = await import('drizzle-orm/pglite/migrator')
    // 16 MB of shared buffers instead of PostgreSQL's 128 MB: an embedded store's data is small,
    // and the server's resident memory drops by about 120 MB.
    client = await PGlite.create(dir, { postgresqlconf: ['shared_buffers = 16MB'] })
    const db = drizzle({ client, schema })
    // The embedded store migrates itself, so `npm run dev` needs no setup step.
    await migrate(db, { migrationsFolder })
    return {
      db,
      kind: 'pglite',
      close: async () => {
        await client?.close()
        release()
      },
    }
  } catch (error) {
    // Closed before the lock is released: a retry must never find this client still open.
    await client?.close().catch(() => {})
    release()
    throw error
  }
}

/** Applies drizzle/ to the configured database (`npm run db:migrate`); idempotent. */
export async function migrateDatabase(): Promise<void> {
  const store = await getStore()
  if (store.kind === 'pglite') return // done on open
  const { migrate } = await import('drizzle-orm/postgres-js/migrator')
  await migrate(store.db as Parameters<typeof migrate>[0], { migrationsFolder })
}

/** Closes the connection (and releases the embedded store's lock); used by scripts and tests. */
export async function closeDb(): Promise<void> {
  const store = cache.passgateStore
  cache.passgateStore = undefined
  if (store !== undefined) await (await store).close()
}

/** True when the error means the database could not be reached, as opposed to a bad query. */
export function isUnavailable(error: unknown): boolean {
  const codes = new Set([
    'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE',
    'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
    '57P01', '57P02', '57P03', '53300', // admin shutdown, crash shutdown, cannot connect now, too many connections
    '40P01', // deadlock detected: the transaction was rolled back; trying again can succeed
  ])
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && codes.has(code)) return true
    if (current.name === 'StoreLockedError') return true
  }
  return false
}

/** What /api/health reports about the database. */
export type DatabaseStatus = 'current' | 'behind' | 'unavailable'

/** The detail of every 503 that a missing migration causes, and the start-up warning. */
export const SCHEMA_BEHIND = 'The database schema is behind this version of the app: run `npm run db:migrate`.'

// drizzle's own record of applied migrations (not in lib/schema.ts: migrations do not create it).
const appliedMigrations = pgSchema('drizzle').table('__drizzle_migrations', {
  createdAt: bigint('created_at', { mode: 'number' }),
})

let latestMigration: number | undefined

/**
 * Whether the database answers, and has every migration in drizzle/ applied (drizzle applies those
 * newer than the newest it recorded, so comparing the newest is enough).
 */
export async function checkDatabase(): Promise<DatabaseStatus> {
  try {
    latestMigration ??= readMigrationFiles({ migrationsFolder }).at(-1)?.folderMillis ?? 0
    const [row] = await (await getDb()).select({ applied: max(appliedMigrations.createdAt) }).from(appliedMigrations)
    return Number(row?.applied ?? 0) >= latestMigration ? 'current' : 'behind'
  } catch (error) {
    if (isSchemaBehind(error)) return 'behind'
    console.error(`database unavailable: ${describeError(error)}`)
    return 'unavailable'
  }
}

/** True when a query failed for want of a table or column that a pending migration adds. */
export function isSchemaBehind(error: unknown): boolean {
  const codes = new Set(['42P01', '42703', '3F000']) // undefined table, undefined column, undefined schema
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && codes.has(code)) return true
  }
  return false
}
