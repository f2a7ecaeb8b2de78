import { Secret, TOTP } from 'otpauth'
import { expect } from '@playwright/test'
import { BASE_URL, PASSWORD, bearer, logIn, postJson, signUp } from '../helpers'
import { type ExtraServer, freshDataDir, runCommand, startServer, waitForHealth } from '../servers'

// What the browser tests of two-step sign-in share: an authenticator app's codes, a user who has
// turned it on through the API, and a server whose sign-ins go stale within seconds.

/**
 * The code an authenticator app shows for `secret` (base32, spaces allowed), `steps` periods of
 * 30 s from now. A code of a time step at or below one already accepted is refused, so a test uses
 * the current step, then the next (the server allows one step of drift).
 */
export function totpCode(secret: string, steps = 0): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret.replace(/\s/g, '')), algorithm: 'SHA1', digits: 6, period: 30 })
  return totp.generate({ timestamp: Date.now() + steps * 30_000 })
}

/**
 * Turns two-step sign-in on through the API for the session of `token`, with the current step's
 * code; on a server whose sign-ins go stale at once, `password` confirms it is the user first.
 */
export async function enrolTotp(token: string, { base = BASE_URL, password }: { base?: string; password?: string } = {}): Promise<{ secret: string; recoveryCodes: string[] }> {
  const call = async (path: string, body: unknown) => {
    if (password !== undefined) expect((await postJson('/api/users/me/reauth', { password }, bearer(token), base)).status).toBe(204)
    const response = await postJson(path, body, bearer(token), base)
    expect(response.status, await response.clone().text()).toBe(200)
    return response.json()
  }
  const { secret } = (await call('/api/users/me/mfa/totp', {})) as { secret: string }
  const { recovery_codes } = (await call('/api/users/me/mfa/totp/confirm', { otp: totpCode(secret) })) as { recovery_codes: string[] }
  return { secret, recoveryCodes: recovery_codes }
}

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
