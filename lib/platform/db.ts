import path from 'node:path'
import { max } from 'drizzle-orm'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { type PgDatabase, type PgQueryResultHKT, bigint, pgSchema } from 'drizzle-orm/pg-core'
import { type Env, dataPath, getEnv, isBuilding } from './env'
import * as schema from './schema'
import { describeError } from './log'
import { acquireStoreLock } from './store-lock'

// One Drizzle API over either PostgreSQL (postgres.js, when DATABASE_URL is set) or the embedded
// PGlite store in DATA_DIR/pglite. Nothing outside this module can tell which it has.

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>
/** A transaction, for changes that span two modules' tables (a new password ends sessions). */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

// `applied`: the migrations the embedded store applied to itself as it opened.
type Store = { db: Db; kind: 'postgres' | 'pglite'; applied: number; close: () => Promise<void> }

// Cached on globalThis: Next gives route handlers, pages and dev hot reloads their own module
// instances, and each must reuse the one connection (for PGlite, the one owner of its folder).
// `npm start` (scripts/start.mjs) closes it through passgateCloseDatabase when it stops.
const cache = globalThis as typeof globalThis & {
  passgateStore?: Promise<Store>
  passgateCloseDatabase?: () => Promise<void>
  passgateClosedForGood?: boolean
  passgateHeldOpen?: Set<Promise<void>>
}

const migrationsFolder = path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'drizzle')

export async function getDb(): Promise<Db> {
  return (await getStore()).db
}

function getStore(): Promise<Store> {
  if (isBuilding()) throw new Error('The database must not be opened during `next build`.')
  if (cache.passgateClosedForGood) return Promise.reject(Object.assign(new Error('The server is stopping.'), { code: 'CONNECTION_ENDED' }))
  cache.passgateCloseDatabase ??= closeForGood
  cache.passgateStore ??= openStore().catch((error: unknown) => {
    cache.passgateStore = undefined // let the next request try again
    throw error
  })
  return cache.passgateStore
}

/**
 * How to reach a PostgreSQL URL. `?pgbouncer=true` says a transaction-mode pooler is in front
 * (PgBouncer, Supabase's or Neon's pooled endpoint): consecutive statements may run on different
 * server connections, so statements are not prepared (a prepared statement would be missing on the
 * next one). The parameter is ours, not PostgreSQL's, so it is not sent on.
 */
export function connectionSettings(url: string): { url: string; pooled: boolean } {
  const [base, query = ''] = url.split(/\?(.*)/s)
  const params = new URLSearchParams(query)
  const flag = params.get('pgbouncer') // lib/platform/env.ts refuses anything but true, 1, false or 0
  params.delete('pgbouncer')
  return { url: params.size === 0 ? base! : `${base}?${params}`, pooled: flag !== null && /^(true|1)$/i.test(flag) }
}

async function openStore(): Promise<Store> {
  const env = getEnv()
  if (env.DATABASE_URL !== undefined) {
    const { default: postgres } = await import('postgres')
    const { drizzle } = await import('drizzle-orm/postgres-js')
    const { url, pooled } = connectionSettings(env.DATABASE_URL)
    // On Vercel every function instance has a pool of its own, and instances come and go: a few
    // connections each, closed soon when idle, so that many instances stay within the server's
    // (or the pooler's) limit.
    const size = env.VERCEL === undefined ? { max: 10, idle_timeout: 30 } : { max: 3, idle_timeout: 5 }
    // Only ever turned off here: a URL's own `?prepare=false` still counts otherwise.
    const client = postgres(url, { ...size, connect_timeout: 5, ...(pooled ? { prepare: false } : {}), onnotice: () => {} })
    return { db: drizzle({ client, schema }), kind: 'postgres', applied: 0, close: () => client.end({ timeout: 5 }) }
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
    const newest = await newestApplied(db)
    await migrate(db, { migrationsFolder })
    return {
      db,
      kind: 'pglite',
      applied: countNewer(newest),
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

/**
 * The database this process works on, named for the terminal commands without its password and
 * without connecting: the PostgreSQL database and its hosts as the driver reads the URL (for
 * migrations, the direct connection's), or the embedded store's folder.
 */
export async function describeDatabase(forMigrations = false): Promise<string> {
  const env = getEnv()
  const url = forMigrations ? migrationUrl(env) : env.DATABASE_URL
  if (url === undefined) return `the embedded store in ${dataPath('pglite')}`
  const { default: postgres } = await import('postgres')
  // Parsing only: postgres.js connects on the first query.
  const { host, port, path: socket, database } = postgres(connectionSettings(url).url).options
  return `PostgreSQL database "${database}" on ${socket || host.map((name, i) => `${name}:${port[i] ?? port[0]}`).join(',')}`
}

/** The URL migrations use: the direct connection when one is set (DDL and advisory locks need it). */
function migrationUrl(env: Env): string | undefined {
  return env.DATABASE_URL === undefined ? undefined : (env.DATABASE_URL_UNPOOLED ?? env.DATABASE_URL)
}

// Any fixed number, the same in every version: the key of the advisory lock migrations take.
export const MIGRATION_LOCK = 7_215_309_456_113

/**
 * Applies drizzle/ to the configured database (`npm run db:migrate`); idempotent. On PostgreSQL it
 * connects directly (DATABASE_URL_UNPOOLED when set: DDL and session advisory locks do not work
 * through a transaction-mode pooler) and holds an advisory lock while it runs, so two deploys
 * migrating at once take turns; the second finds nothing left to do. Returns how many migrations
 * it applied (0: the database was up to date).
 */
export async function migrateDatabase(): Promise<number> {
  const env = getEnv()
  const target = migrationUrl(env)
  if (target === undefined) return (await getStore()).applied // the embedded store migrates itself when it opens
  const name = env.DATABASE_URL_UNPOOLED === undefined ? 'DATABASE_URL' : 'DATABASE_URL_UNPOOLED'
  const { url, pooled } = connectionSettings(target)
  if (pooled) {
    throw new Error(`${name} goes through a transaction-mode pooler (?pgbouncer=true): set DATABASE_URL_UNPOOLED to the direct connection for migrations.`)
  }
  const { default: postgres } = await import('postgres')
  const { drizzle } = await import('drizzle-orm/postgres-js')
  const { migrate } = await import('drizzle-orm/postgres-js/migrator')
  const client = postgres(url, { max: 2, connect_timeout: 10, onnotice: () => {} })
  try {
    const lock = await client.reserve()
    try {
      // Another deploy's migrations take seconds; one stuck for minutes fails this one, clearly.
      await lock`set lock_timeout = '5min'`
      await lock`select pg_advisory_lock(${MIGRATION_LOCK})`
      const db = drizzle({ client, schema })
      const newest = await newestApplied(db)
      await migrate(db, { migrationsFolder })
      return countNewer(newest)
    } finally {
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {})
      lock.release()
    }
  } finally {
    await client.end({ timeout: 5 })
  }
}

/**
 * For `npm start` when it stops (scripts/start.mjs): lets the mail that answered requests started
 * finish (at most 5 s), then closes the database for good, so that a request still running past
 * the shutdown timeout gets a 503 instead of opening it again.
 */
async function closeForGood(): Promise<void> {
  const pending = [...(cache.passgateHeldOpen ?? [])]
  if (pending.length > 0) await Promise.race([Promise.allSettled(pending), new Promise((resolve) => setTimeout(resolve, 5_000).unref())])
  cache.passgateClosedForGood = true
  await closeDb()
}

/** Work started by a request that has been answered (lib/platform/background.ts): closeForGood waits for it. */
export function holdOpenFor(work: Promise<void>): void {
  const held = (cache.passgateHeldOpen ??= new Set())
  held.add(work)
  void work.finally(() => held.delete(work))
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

// drizzle's own record of applied migrations (not in lib/platform/schema.ts: migrations do not create it).
const appliedMigrations = pgSchema('drizzle').table('__drizzle_migrations', {
  createdAt: bigint('created_at', { mode: 'number' }),
})

let migrationTimes: number[] | undefined

/** How many migrations in drizzle/ are newer than `newest`: those drizzle applies (or has to). */
function countNewer(newest: number): number {
  migrationTimes ??= readMigrationFiles({ migrationsFolder }).map((migration) => migration.folderMillis)
  return migrationTimes.filter((time) => time > newest).length
}

/** The time of the newest migration drizzle recorded in `db`; 0 before it made its table. */
async function newestApplied(db: Db): Promise<number> {
  try {
    const [row] = await db.select({ applied: max(appliedMigrations.createdAt) }).from(appliedMigrations)
    return Number(row?.applied ?? 0)
  } catch (error) {
    if (isSchemaBehind(error)) return 0
    throw error
  }
}

/**
 * Whether the database answers, and has every migration in drizzle/ applied (drizzle applies those
 * newer than the newest it recorded, so comparing the newest is enough).
 */
export async function checkDatabase(): Promise<DatabaseStatus> {
  try {
    return countNewer(await newestApplied(await getDb())) === 0 ? 'current' : 'behind'
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
