import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { expect, test } from '../fixtures'
import { BASE_URL, api, bearer, logIn, requestToken, signUp, uniqueName } from '../helpers'
import { freshDataDir } from '../servers'

// The README's examples, run as written: against this test server, for a fresh username.

const README_PASSWORD = 'correct horse battery'

function example(language: string): string {
  const readme = fs.readFileSync('README.md', 'utf8')
  const block = new RegExp(`<!-- readme-${language}:start -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\n<!-- readme-${language}:end -->`).exec(readme)?.[1]
  expect(block, `README.md has a ${language} example between its markers`).toBeDefined()
  return block!.replaceAll('http://localhost:3000', BASE_URL)
}

test('every curl example in the README runs and answers as the README says', async () => {
  const username = uniqueName('readme')
  const script = example('curl').replaceAll('alice', username)
  const output = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8' })
  expect(output).toContain(`{"id":`)
  expect(output).toContain(`"username":"${username}","email":"${username}@example.com"`)
  expect(output).toMatch(/"access_token":"[\w-]+\.[\w-]+\.[\w-]+","token_type":"bearer","expires_in":1800,"refresh_token":"[\w.-]+"/)
  expect(output).toContain('[]') // no items yet
  expect(output).toMatch(/\{"id":\d+,"text":"written by a script","completed":false,"created_at":"[^"]+"\}/)
  expect(output).toMatch(/\[\{"item_id":\d+,"owner":"[^"]+","text":"written by a script","completed":false\}\]/)
  expect(output).toContain('"current":true')
  expect(output).toContain('"full_name":"Alice Liddell"')
  expect(output).toContain('204\n204\n{"detail":"Could not validate credentials"}')
  expect(output).toContain('{"detail":"If the account exists, a message is on its way."}')
  expect(output.trimEnd().endsWith('{"status":"ok","database":"ok","schema":"current"}')).toBe(true)
  // The password change took: the old password no longer signs in.
  expect((await requestToken(username, README_PASSWORD)).status).toBe(401)
  expect((await requestToken(username, 'a new long passphrase')).status).toBe(200)
})

/** What the Python and TypeScript examples leave behind: one key, one note written with it. */
async function expectExampleRan(username: string, output: string): Promise<void> {
  expect(output.split('\n')[0]).toBe(username)
  expect(output).toContain('written by a script')
  const token = await logIn(username, README_PASSWORD)
  const keys = await (await api('/api/keys', { headers: bearer(token) })).json()
  expect(keys).toEqual([expect.objectContaining({ name: 'nightly export', scopes: ['read', 'write'], last_used_at: expect.any(String) })])
  const notes = await (await api('/api/notes', { headers: bearer(token) })).json()
  expect(notes.map((note: { text: string }) => note.text)).toEqual(['written by a script'])
}

test('the Python example in the README runs', async () => {
  const probe = spawnSync('python3', ['-c', 'import requests'], { encoding: 'utf8' })
  test.skip(probe.status !== 0, `needs python3 with requests (apt install python3-requests): ${probe.error?.message ?? probe.stderr.trim()}`)
  const { username } = await signUp({ password: README_PASSWORD })
  const output = execFileSync('python3', ['-c', example('python').replaceAll('alice', username)], { encoding: 'utf8' })
  await expectExampleRan(username, output)
})

test('the TypeScript example in the README runs', async () => {
  const { username } = await signUp({ password: README_PASSWORD })
  const file = path.join(freshDataDir('readme'), 'example.mts')
  fs.writeFileSync(file, example('typescript').replaceAll('alice', username))
  const output = execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8' })
  await expectExampleRan(username, output)
})
