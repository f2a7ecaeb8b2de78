// `npm run user:promote -- <username> [--demote]`: makes an existing account admin, or (with
// --demote) a plain user again, from a terminal. The last enabled admin is never demoted.
import { setRoleFromTerminal } from '../lib/operators/admin'
import { describeDatabase } from '../lib/platform/db'
import { FIRST_ADMIN_IN_DEVELOPMENT, runScript } from './run-script'

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  const username = args.find((arg) => !arg.startsWith('--'))
  if (username === undefined || args.some((arg) => arg.startsWith('--') && arg !== '--demote')) {
    console.error('Usage: npm run user:promote -- <username> [--demote]')
    return 2
  }
  const role = args.includes('--demote') ? 'user' : 'admin'
  console.log(`Working on ${await describeDatabase()}.`)
  const result = await setRoleFromTerminal(username, role)
  if (!result.ok) {
    console.error(result.status === 404 ? `No such user: ${username}` : result.detail)
    return 1
  }
  console.log(`"${result.value.username}" is now ${result.value.role === 'admin' ? 'an admin' : 'a plain user'}.`)
  return 0
}

await runScript(main, FIRST_ADMIN_IN_DEVELOPMENT)
