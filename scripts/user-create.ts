// `npm run user:create -- <username> [--admin]`: creates a user from a terminal, for example the
// first admin. The password comes from PASSWORD, or is asked for without echo.
import { describeError } from '../lib/log'
import { closeDb } from '../lib/db'
import { createUser } from '../lib/users'
import { SignUpSchema } from '../lib/validation'

function readHidden(prompt: string): Promise<string> {
  const { stdin, stdout } = process
  if (!stdin.isTTY) return Promise.reject(new Error('No terminal to ask for the password: set PASSWORD.'))
  stdout.write(prompt)
  stdin.setRawMode(true)
  stdin.resume()
  stdin.setEncoding('utf8')
  return new Promise((resolve, reject) => {
    let value = ''
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          done()
          resolve(value)
          return
        }
        if (char === '\u0003') {
          done()
          reject(new Error('Cancelled.'))
          return
        }
        value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char
      }
    }
    const done = () => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      stdout.write('\n')
    }
    stdin.on('data', onData)
  })
}

async function main(): Promise<number> {
  const args = process.argv.slice(2)
  const username = args.find((arg) => !arg.startsWith('--'))
  if (username === undefined || args.some((arg) => arg.startsWith('--') && arg !== '--admin')) {
    console.error('Usage: npm run user:create -- <username> [--admin]   (password from PASSWORD or asked)')
    return 2
  }
  // The CLI's own input, not app configuration, so it is read here rather than in lib/env.ts.
  const password = process.env.PASSWORD ?? (await readHidden(`Password for ${username}: `))
  const parsed = SignUpSchema.safeParse({ username, password })
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`)
    return 1
  }
  const result = await createUser({ username, password, role: args.includes('--admin') ? 'admin' : 'user' })
  if (!result.ok) {
    console.error(`Username already registered: ${username}`)
    return 1
  }
  console.log(`Created ${result.user.role} "${result.user.username}" (id ${result.user.id}).`)
  return 0
}

try {
  process.exitCode = await main()
} catch (error) {
  console.error(describeError(error))
  process.exitCode = 1
} finally {
  await closeDb()
}
