// `npm run user:create -- <username> [--admin]`: creates a user from a terminal, for example the
// first admin. The password comes from PASSWORD, or is asked for without echo; or PASSWORD_HASH
// imports a bcrypt hash made elsewhere (a FastAPI tutorial database's `hashed_password`).
import { FIRST_ADMIN_IN_DEVELOPMENT, readHidden, runScript } from './run-script'
import { describeDatabase } from '../lib/platform/db'
import { type CreateUserResult, createUser, importUser } from '../lib/accounts/users'
import { SignUpSchema, UsernameSchema } from '../lib/credentials/validation'

function report(error: { issues: { path: PropertyKey[]; message: string }[] }): number {
  for (const issue of error.issues) console.error(`${issue.path.map(String).join('.')}: ${issue.message}`)
  return 1
}

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  const username = args.find((arg) => !arg.startsWith('--'))
  if (username === undefined || args.some((arg) => arg.startsWith('--') && arg !== '--admin')) {
    console.error('Usage: npm run user:create -- <username> [--admin]   (password from PASSWORD or asked; or a bcrypt hash from PASSWORD_HASH)')
    return 2
  }
  const user = { username, role: args.includes('--admin') ? ('admin' as const) : ('user' as const) }
  console.log(`Working on ${await describeDatabase()}.`)
  // The CLI's own input, not app configuration, so it is read here rather than in lib/platform/env.ts.
  const hash = process.env.PASSWORD_HASH
  let result: CreateUserResult | { ok: false; reason: 'hash_not_bcrypt' }
  if (hash !== undefined) {
    const name = UsernameSchema.safeParse(username)
    if (!name.success) return report(name.error)
    result = await importUser(user, hash)
  } else {
    const password = process.env.PASSWORD ?? (await readHidden(`Password for ${username}: `))
    const parsed = SignUpSchema.safeParse({ username, password })
    if (!parsed.success) return report(parsed.error)
    result = await createUser(user, password, null)
  }
  if (!result.ok) {
    console.error(
      result.reason === 'username_taken'
        ? `Username already registered: ${username}`
        : 'PASSWORD_HASH is not a bcrypt hash ($2a$, $2b$ or $2y$, as passlib and bcrypt make): this app cannot verify it. Set a password instead.',
    )
    return 1
  }
  console.log(`Created ${result.user.role} "${result.user.username}" (id ${result.user.id}).`)
  return 0
}

await runScript(main, FIRST_ADMIN_IN_DEVELOPMENT)
