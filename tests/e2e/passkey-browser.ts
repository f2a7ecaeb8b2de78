import type { CDPSession, Page } from '@playwright/test'
import { type ExtraServer, freshDataDir, testPort } from '../servers'
import { warmServer } from './second-factor'

// What the browser tests of passkeys share: Chromium's virtual authenticator (through the DevTools
// protocol, https://chromedevtools.github.io/devtools-protocol/tot/WebAuthn/), a platform
// authenticator with a fingerprint that always matches; and servers of their own at
// http://localhost, since browsers refuse passkeys at an IP address such as the suite's main
// server's 127.0.0.1.

/** A credential as the virtual authenticator holds it (its private key too). */
export type HeldCredential = { credentialId: string; isResidentCredential: boolean; rpId: string; privateKey: string; userHandle: string; signCount: number }

export type VirtualAuthenticator = { cdp: CDPSession; authenticatorId: string }

/** A passkey-capable device for `page`: it makes passkeys that stay on it, and answers with user verification at once. */
export async function addAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  })
  return { cdp, authenticatorId }
}

export async function heldCredentials({ cdp, authenticatorId }: VirtualAuthenticator): Promise<HeldCredential[]> {
  return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as HeldCredential[]
}

/** Puts `credential` on the device: a copy of a passkey, with its signature counter as `signCount` says. */
export async function holdCredential({ cdp, authenticatorId }: VirtualAuthenticator, credential: HeldCredential): Promise<void> {
  await cdp.send('WebAuthn.addCredential', { authenticatorId, credential })
}

/**
 * Chromium picks the passkey it holds among the username field's suggestions by itself, at once:
 * on /login, that signs in before the button can be pressed. This makes `page` a browser that
 * offers no such suggestions, where the button is the way.
 */
export async function withoutAutofill(page: Page): Promise<void> {
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false
  })
}

/** The address browsers use passkeys at for a server on `basePort`. */
export function localhostUrl(basePort: number): string {
  return `http://localhost:${testPort(basePort)}`
}

/**
 * A server of the test file's own on `basePort` whose address (APP_URL, and so the passkeys' RP
 * ID) is `appUrl`, by default its own http://localhost address; `env` besides.
 */
export function passkeyServer(basePort: number, env: Record<string, string> = {}, appUrl = localhostUrl(basePort)): Promise<ExtraServer> {
  return warmServer(basePort, { DATA_DIR: freshDataDir('passkeys'), APP_URL: appUrl, ...env })
}
