import { closeDb } from '../lib/platform/db'
import { describeError } from '../lib/platform/log'
import { StoreLockedError } from '../lib/platform/store-lock'
import { loadEnvFiles } from './env-files.mjs'

/** What to do instead while `npm run dev` holds the embedded store (docs/decisions/018-first-admin-in-development.md). */
export const FIRST_ADMIN_IN_DEVELOPMENT =
  'To make the first admin while `npm run dev` runs, use the browser: sign in, open /admin and choose "Make me the admin" (a development server offers it while it has no admin).'

/**
 * Runs a terminal command's `main` (its exit code) with the settings the server has: the `.env*`
 * files are loaded first, by Next's own loader, as `npm run dev` loads them (as `npm start` does
 * with NODE_ENV=production; lib/platform/env.ts reads an unset NODE_ENV as development too). Reports an
 * unexpected error in one line that carries no query parameters (lib/platform/log.ts), an embedded store
 * held by a server in plain words and `whenLocked`, and always closes the database (and so
 * releases the embedded store's lock).
 */
export async function runScript(main: () => Promise<number>, whenLocked?: string): Promise<void> {
  const files = loadEnvFiles(process.env.NODE_ENV !== 'production')
  if (files.length > 0) console.log(`Settings from ${files.join(', ')}`)
  try {
    process.exitCode = await main()
  } catch (error) {
    console.error(error instanceof StoreLockedError ? [error.message, whenLocked].filter(Boolean).join('\n') : describeError(error))
    process.exitCode = 1
  } finally {
    await closeDb()
  }
}

/** A password typed at the terminal without echo (the scripts that take one also read PASSWORD). */
export function readHidden(prompt: string): Promise<string> {
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
