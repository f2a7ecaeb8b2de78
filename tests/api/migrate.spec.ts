import fs from 'node:fs'
import postgres from 'postgres'
import { expect, test } from '../fixtures'
import { directDatabaseUrl, newDatabase, withSql } from '../helpers'
import { MIGRATION_LOCK } from '../../lib/platform/db'
import { runCommand } from '../servers'

// `npm run db:migrate` behind a pooler: it goes to DATABASE_URL_UNPOOLED (DDL and advisory locks
// need a direct connection), refuses a pooled URL alone, and waits while another deploy holds the
// migration lock.

test.skip(!process.env.DATABASE_URL, 'migrations of a PostgreSQL server')

test('db:migrate uses DATABASE_URL_UNPOOLED, and refuses a pooled DATABASE_URL alone', async () => {
  const name = `passgate_migrate_${Date.now()}`
  const direct = (await newDatabase(name)).DATABASE_URL_UNPOOLED!
  try {
    // The pooled URL leads nowhere: only the direct one can have been used.
    const pooledNowhere = 'postgres://postgres@127.0.0.1:1/nowhere?pgbouncer=true'
    const refused = await runCommand('migrate', [], { DATABASE_URL: pooledNowhere, DATABASE_URL_UNPOOLED: '' })
    expect(refused.code).toBe(1)
    expect(refused.output).toContain('set DATABASE_URL_UNPOOLED to the direct connection for migrations')

    const migrated = await runCommand('migrate', [], { DATABASE_URL: pooledNowhere, DATABASE_URL_UNPOOLED: direct })
    expect(migrated.code, migrated.output).toBe(0)
    expect(await appliedMigrations(name)).toBeGreaterThan(0)
  } finally {
    await withSql((sql) => sql.unsafe(`drop database if exists ${name} with (force)`))
  }
})

test('db:migrate waits while another deploy holds the migration lock, then migrates', async () => {
  const name = `passgate_race_${Date.now()}`
  const env = await newDatabase(name)
  const other = connect(name)
  try {
    await other`select pg_advisory_lock(${MIGRATION_LOCK})`
    const running = runCommand('migrate', [], env)
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    expect(await appliedMigrations(name), 'nothing migrated while the other deploy holds the lock').toBe(0)
    await other`select pg_advisory_unlock(${MIGRATION_LOCK})`
    const done = await running
    expect(done.code, done.output).toBe(0)
    expect(await appliedMigrations(name)).toBe(fs.readdirSync('drizzle').filter((file) => file.endsWith('.sql')).length)
  } finally {
    await other.end()
    await withSql((sql) => sql.unsafe(`drop database if exists ${name} with (force)`))
  }
})

function connect(name: string): postgres.Sql {
  const url = new URL(directDatabaseUrl())
  url.pathname = `/${name}`
  return postgres(url.toString(), { max: 1, onnotice: () => {} })
}

/** How many migrations drizzle recorded in database `name` (0 before it made its table). */
async function appliedMigrations(name: string): Promise<number> {
  const sql = connect(name)
  try {
    const [row] = await sql`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`
    return row!.exists ? (await sql`select count(*)::int as count from drizzle.__drizzle_migrations`)[0]!.count : 0
  } finally {
    await sql.end()
  }
}
