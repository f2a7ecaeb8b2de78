// `npm run user:recover -- <username> [--second-factor]`: sets a new password for an account from
// a terminal, admins included (a reset link is never issued for an admin), and ends every session
// and access token of it; with --second-factor, removes its second factor too (a lost phone and
// lost recovery codes). The password comes from PASSWORD, or is asked for without echo.
import { readHidden, runScript } from './run-script'
import { describeDatabase } from '../lib/platform/db'
import { recoverFromTerminal } from '../lib/signin/account'
import { PasswordSchema } from '../lib/credentials/validation'

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  const username = args.find((arg) => !arg.startsWith('--'))
  if (username === undefined || args.some((arg) => arg.startsWith('--') && arg !== '--second-factor')) {
    console.error('Usage: npm run user:recover -- <username> [--second-factor]   (the new password from PASSWORD or asked)')
    return 2
  }
  console.log(`Working on ${await describeDatabase()}.`)
  const password = process.env.PASSWORD ?? (await readHidden(`New password for ${username}: `))
  const parsed = PasswordSchema.safeParse(password)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`password: ${issue.message}`)
    return 1
  }
  const result = await recoverFromTerminal(username, password, args.includes('--second-factor'))
  if (!result.ok) {
    const why = {
      not_found: `No such user: ${username}`,
      disabled: `"${username}" is disabled: enable them first (npm run user:promote cannot; an admin can, on /admin).`,
      password_is_username: 'password: must not be the username',
      changed: 'The account changed meanwhile: run the command again.',
    }
    console.error(why[result.reason])
    return 1
  }
  console.log(`New password set for "${username}"; every session and access token of theirs has ended.`)
  if (result.secondFactorRemoved) console.log('Their second factor was removed: they sign in with the password alone until they set one up again.')
  return 0
}

await runScript(main, 'Stop `npm run dev` first: the embedded store has one user at a time. Then run this again.')
