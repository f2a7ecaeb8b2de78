import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { expect, test } from '../fixtures'
import { BASE_URL, requestToken, uniqueName } from '../helpers'

// The README's curl examples, run as written (against this test server, with a fresh username).
test('every curl example in the README runs and answers as the README says', async () => {
  const readme = fs.readFileSync('README.md', 'utf8')
  const block = /<!-- readme-curl:start -->\n```sh\n([\s\S]*?)```\n<!-- readme-curl:end -->/.exec(readme)?.[1]
  expect(block).toBeDefined()
  const username = uniqueName('readme')
  const script = block!.replaceAll('http://localhost:3000', BASE_URL).replaceAll('alice', username)
  const output = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8' })
  expect(output).toContain(`{"id":`)
  expect(output).toContain(`"username":"${username}","email":"${username}@example.com"`)
  expect(output).toMatch(/"access_token":"[\w-]+\.[\w-]+\.[\w-]+","token_type":"bearer","expires_in":1800,"refresh_token":"[\w.-]+"/)
  expect(output).toContain('[]') // no items yet
  expect(output).toContain('"current":true')
  expect(output).toContain('"full_name":"Alice Liddell"')
  expect(output).toContain('204\n204\n{"detail":"Could not validate credentials"}')
  expect(output.trimEnd().endsWith('{"status":"ok","database":"ok","schema":"current"}')).toBe(true)
  // The password change took: the old password no longer signs in.
  expect((await requestToken(username, 'correct horse battery')).status).toBe(401)
  expect((await requestToken(username, 'a new long passphrase')).status).toBe(200)
})
