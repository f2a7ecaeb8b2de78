import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { expect, test } from '@playwright/test'
import { BASE_URL, uniqueName } from '../helpers'

// The README's curl examples, run as written (against this test server, with a fresh username).
test('every curl example in the README runs and answers as the README says', () => {
  const readme = fs.readFileSync('README.md', 'utf8')
  const block = /<!-- readme-curl:start -->\n```sh\n([\s\S]*?)```\n<!-- readme-curl:end -->/.exec(readme)?.[1]
  expect(block).toBeDefined()
  const username = uniqueName('readme')
  const script = block!.replaceAll('http://localhost:3000', BASE_URL).replaceAll('alice', username)
  const output = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8' })
  const lines = output.trim().split('\n')
  expect(JSON.parse(lines[0]!.replace(/}{.*$/, '}'))).toMatchObject({ username, email: `${username}@example.com` })
  expect(output).toMatch(/"access_token":"[\w-]+\.[\w-]+\.[\w-]+","token_type":"bearer","expires_in":1800/)
  expect(output).toContain(`"username":"${username}"`)
  expect(output).toContain('[]204\n')
  expect(output).toContain('{"detail":"Could not validate credentials"}')
  expect(output.trimEnd().endsWith('{"status":"ok","database":"ok"}')).toBe(true)
})
