import { expect } from '@playwright/test'
import { PASSWORD, logIn, signUp } from '../helpers'
import { type ExtraServer, freshDataDir, runCommand, startServer, waitForHealth } from '../servers'

// What the browser tests of two-step sign-in share: a server whose sign-ins go stale within seconds
// (the authenticator app, and a user who turns TOTP on through the API, are in ../helpers.ts).

/** How long a sign-in stays fresh on a server of staleServer(). */
const FRESH_MS = 3_000

/**
 * A server of the test file's own (`basePort`, see testPort) where a sign-in is fresh for 3 s
 * only (REAUTH_MAX_AGE_MINUTES=0.05), with `env` besides; `admin`, if given, is made its admin
 * from the terminal before it starts.
 */
export async function staleServer(basePort: number, env: Record<string, string> = {}, admin?: string): Promise<ExtraServer> {
  const settings = { DATA_DIR: freshDataDir('step-up'), REAUTH_MAX_AGE_MINUTES: String(FRESH_MS / 60_000), ...env }
  if (admin !== undefined) expect((await runCommand('user-create', [admin, '--admin'], { ...settings, PASSWORD })).code).toBe(0)
  return warmServer(basePort, settings)
}

/** A server of the test file's own on `basePort` with `settings`, ready to answer at once. */
export async function warmServer(basePort: number, settings: Record<string, string>): Promise<ExtraServer> {
  const server = startServer(basePort, settings)
  await waitForHealth(server)
  // A sign-up and a sign-in first: the first test's own sign-in then does not wait for the
  // server's first requests (loading the routes, starting the hash threads) and time out.
  await logIn((await signUp({}, server.url)).username, PASSWORD, server.url)
  return server
}

/** Lets the sign-in of a staleServer() go stale, as it does for someone who stepped away. */
export function waitUntilStale(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, FRESH_MS + 500))
}
