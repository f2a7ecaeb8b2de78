import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, test } from '../fixtures'
import { newDatabase, withSql } from '../helpers'
import { type ExtraServer, freshDataDir, runCommand, startServer, waitForHealth } from '../servers'

// The documents' examples, run as a reader runs them: every block marked `<!-- tested-example -->`,
// in the documents' order (README.md's curl tour, then docs/api.md's Python and TypeScript
// clients), one after another against one server of their own on a fresh store, exactly as
// written but for the address. A block that fails, or answers otherwise than it says, fails here.

const DOCUMENTS = ['README.md', 'docs/api.md']

type Example = { file: string; language: string; code: string }

function examples(): Example[] {
  return DOCUMENTS.flatMap((file) =>
    [...fs.readFileSync(file, 'utf8').matchAll(/<!-- tested-example -->\n```(\w+)\n([\s\S]*?)^```$/gm)].map(([, language, code]) => ({
      file,
      language: language!,
      code: code!,
    })),
  )
}

/** Runs one block the way its document says: the shell, `python3 example.py`, `npx tsx example.mts`. */
function run(example: Example, base: string, folder: string): string {
  const code = example.code.replaceAll('http://localhost:3000', base)
  const options = { encoding: 'utf8' as const, stdio: 'pipe' as const }
  switch (example.language) {
    case 'sh':
      return execFileSync('bash', ['-euo', 'pipefail', '-c', code], options)
    case 'python':
      fs.writeFileSync(path.join(folder, 'example.py'), code)
      return execFileSync('python3', ['example.py'], { ...options, cwd: folder })
    case 'ts':
      // From the checkout, where npx finds the tsx that `npm install` put there.
      fs.writeFileSync(path.join(folder, 'example.mts'), code)
      return execFileSync('npx', ['tsx', path.join(folder, 'example.mts')], options)
    default:
      throw new Error(`${example.file}: no way to run a ${example.language} example`)
  }
}

/** What the README's curl tour prints, answer by answer, one answer a line. */
function expectTour(output: string): void {
  for (const line of output.trimEnd().split('\n')) expect(() => JSON.parse(line), `one answer a line: ${line}`).not.toThrow()
  expect(output).toContain('"username":"alice","email":"alice@example.com"')
  expect(output).toMatch(/"access_token":"[\w-]+\.[\w-]+\.[\w-]+","token_type":"bearer","expires_in":1800,"refresh_token":"[\w.-]+"/)
  expect(output).toContain('\n[]\n') // no items yet
  expect(output).toMatch(/\{"id":\d+,"text":"written by a script","completed":false,"created_at":"[^"]+"\}/)
  expect(output).toMatch(/\[\{"item_id":\d+,"owner":"alice","text":"written by a script","completed":false\}\]/)
  expect(output).toContain('"current":true')
  expect(output).toContain('"full_name":"Alice Liddell"')
  expect(output).toContain('204\n204\n{"detail":"Could not validate credentials"}\n')
  expect(output).toContain('{"detail":"If the account exists, a message is on its way."}\n')
  expect(output.trimEnd().endsWith('{"status":"ok","database":"ok","schema":"current"}')).toBe(true)
}

/** What a client example prints: the name it signed in as, then its notes, read with its key. */
function expectClient(output: string, username: string): void {
  expect(output.split('\n')[0]).toBe(username)
  expect(output).toContain('written by a script')
}

const expected: Record<string, (output: string) => void> = {
  'README.md sh': expectTour,
  'docs/api.md python': (output) => expectClient(output, 'bob'),
  'docs/api.md ts': (output) => expectClient(output, 'carol'),
}

test.describe('the examples in the documents, in order, against one fresh server', () => {
  test.describe.configure({ mode: 'serial', timeout: 120_000 })
  const onPostgres = Boolean(process.env.DATABASE_URL)
  const database = `passgate_examples_${Date.now()}`
  let folder: string | undefined
  let dataDir: string | undefined
  let server: ExtraServer

  test.beforeAll(async () => {
    test.setTimeout(120_000) // a fresh server starts in 10 to 60 s on a busy machine
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'passgate-example-files-'))
    let env: Record<string, string>
    if (onPostgres) {
      env = await newDatabase(database)
      const migrated = await runCommand('migrate', [], env)
      expect(migrated.code, migrated.output).toBe(0)
    } else {
      dataDir = freshDataDir('examples')
      env = { DATA_DIR: dataDir }
    }
    server = startServer(3196, env)
    await waitForHealth(server)
  })

  test.afterAll(async () => {
    await server?.stop()
    if (onPostgres) await withSql((sql) => sql.unsafe(`drop database if exists ${database} with (force)`))
    for (const made of [folder, dataDir]) if (made !== undefined) fs.rmSync(made, { recursive: true, force: true })
  })

  test('the documents mark the examples this file knows how to check', () => {
    expect(examples().map(({ file, language }) => `${file} ${language}`)).toEqual(Object.keys(expected))
  })

  for (const example of examples()) {
    test(`${example.file}: the ${example.language} example runs as written`, () => {
      if (example.language === 'python') {
        const probe = spawnSync('python3', ['-c', 'import requests'], { encoding: 'utf8' })
        test.skip(probe.status !== 0, `needs python3 with requests (apt install python3-requests): ${probe.error?.message ?? probe.stderr.trim()}`)
      }
      expected[`${example.file} ${example.language}`]!(run(example, server.url, folder!))
    })
  }
})
