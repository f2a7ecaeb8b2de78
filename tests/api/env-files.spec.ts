import { execFile } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { expect, test } from '../fixtures'
import { PASSWORD, newDatabase, withSql } from '../helpers'

// The terminal commands read the `.env*` files as the server does (Next's own loader), and say
// which database they work on and what they did. Each runs in a project folder of its own, as a
// new user's checkout with a `.env` in it, with none of the suite's settings in its environment.

const MIGRATIONS = fs.readdirSync('drizzle').filter((file) => file.endsWith('.sql')).length
const tsx = createRequire(import.meta.url).resolve('tsx')

/** A folder with the given `.env*` files and what the commands read from theirs (the migrations, the hash worker); removed after `run`. */
async function inProject(files: Record<string, string>, run: (folder: string) => Promise<void>): Promise<void> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'passgate-env-files-'))
  try {
    for (const part of ['drizzle', 'lib']) fs.symlinkSync(path.resolve(part), path.join(folder, part))
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(folder, name), content)
    await run(folder)
  } finally {
    fs.rmSync(folder, { recursive: true, force: true })
  }
}

/** Node with `args` in `folder`, with only `env` set besides PATH and HOME: its exit code and everything it printed. */
function node(folder: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  const clean: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: os.homedir(), BCRYPT_COST: '10', ...env }
  return promisify(execFile)(process.execPath, args, { cwd: folder, env: clean as NodeJS.ProcessEnv }).then(
    (done) => ({ code: 0, output: done.stdout + done.stderr }),
    (failed: { code: number; stdout: string; stderr: string }) => ({ code: failed.code, output: failed.stdout + failed.stderr }),
  )
}

/** `npm run <script>` in `folder`. */
function command(folder: string, script: string, args: string[] = [], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return node(folder, ['--import', tsx, path.resolve('scripts', `${script}.ts`), ...args], env)
}

test('with DATABASE_URL in .env, db:migrate, user:create and user:promote work on that database, and say so', async () => {
  test.skip(!process.env.DATABASE_URL, 'needs a PostgreSQL server')
  test.setTimeout(60_000)
  const name = `passgate_env_${Date.now()}`
  const direct = (await newDatabase(name)).DATABASE_URL_UNPOOLED!
  const url = new URL(direct)
  url.password = 'never-printed-7f3a' // the test server trusts local connections: any password will do
  try {
    await inProject({ '.env': `DATABASE_URL=${url}\n` }, async (folder) => {
      const working = `Working on PostgreSQL database "${name}" on ${url.hostname}:${url.port || 5432}.`
      const migrated = await command(folder, 'migrate')
      expect(migrated.output).toBe(`Settings from .env\n${working}\nApplied ${MIGRATIONS} migrations.\n`)
      expect(migrated.code).toBe(0)
      expect((await command(folder, 'migrate')).output).toBe(`Settings from .env\n${working}\nAlready up to date: no migration to apply.\n`)

      const created = await command(folder, 'user-create', ['env_file_user'], { PASSWORD })
      // (Between the lines, the event log's JSON line: LOG_LEVEL=info.)
      expect(created.output).toContain(`Settings from .env\n${working}\n`)
      expect(created.output).toMatch(/\nCreated user "env_file_user" \(id \d+\)\.\n$/)
      const promoted = await command(folder, 'user-promote', ['env_file_user'])
      expect(promoted.output).toContain(`Settings from .env\n${working}\n`)
      expect(promoted.output).toMatch(/\n"env_file_user" is now an admin\.\n$/)
      for (const { output } of [migrated, created, promoted]) expect(output).not.toContain('never-printed')
    })
    const sql = postgres(direct, { max: 1, onnotice: () => {} })
    try {
      expect(await sql`select role from users where username = 'env_file_user'`).toEqual([{ role: 'admin' }])
    } finally {
      await sql.end()
    }
  } finally {
    await withSql((sql) => sql.unsafe(`drop database if exists ${name} with (force)`))
  }
})

test('the commands read the .env files Next reads, in its order: .env.local over .env, the environment over both', async () => {
  test.setTimeout(120_000) // two fresh embedded stores
  const files = { '.env': 'DATA_DIR=from-env\n', '.env.local': 'DATA_DIR=from-env-local\n', '.env.production.local': 'DATA_DIR=second\n' }
  await inProject(files, async (folder) => {
    const store = (dir: string) => `Working on the embedded store in ${path.join(folder, dir, 'pglite')}.`
    // As `npm run dev`: development's files.
    expect((await command(folder, 'migrate')).output).toBe(`Settings from .env.local, .env\n${store('from-env-local')}\nApplied ${MIGRATIONS} migrations.\n`)
    expect((await command(folder, 'migrate', [], { DATA_DIR: 'second' })).output).toContain(`${store('second')}\nApplied ${MIGRATIONS} migrations.`)
    // With NODE_ENV=production, as `npm start`: production's files.
    const production = await command(folder, 'migrate', [], { NODE_ENV: 'production' })
    expect(production.output).toBe(`Settings from .env.production.local, .env.local, .env\n${store('second')}\nAlready up to date: no migration to apply.\n`)
  })
})

test('npm start reads its own settings (those it checks before Next starts) from .env too', async () => {
  await inProject({ '.env': 'WEB_CONCURRENCY=2\n' }, async (folder) => {
    expect(await node(folder, [path.resolve('scripts/start.mjs')])).toEqual({
      code: 1,
      output: 'passgate: settings from .env\npassgate cannot start: WEB_CONCURRENCY=2 needs DATABASE_URL: the embedded store can be opened by one process only.\n',
    })
  })
})
