import {
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  WebAuthnError,
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser'
import { useState, useSyncExternalStore } from 'react'
import { UNREACHABLE, readApiError } from './api-client'

// The browser's side of a passkey ceremony, for the sign-in page, the account page and the step-up
// dialog: ask the API for options, hand them to the browser (which shows its own dialog), and tell
// the user in plain words why nothing came of it.

/** What the pages need to know of the relying party (lib/signin/passkeys.ts, relyingParty()). */
export type PasskeySite = { id: string; origin: string }

/**
 * A ceremony that ended without an answer to send: `shown` to the user, or null when another
 * ceremony replaced it; `cancelled` when the browser says the user did not go on (NotAllowedError).
 */
class Stopped extends Error {
  constructor(
    readonly shown: string | null,
    readonly cancelled = false,
  ) {
    super(shown ?? 'replaced')
  }
}

/** Said when the user closed the browser's dialog, or let it time out: nothing is wrong. */
const CANCELLED = 'No passkey was used: the request was cancelled or timed out. Try again when you are ready.'

function ceremonyFailure(error: unknown): Stopped {
  if (error instanceof WebAuthnError && error.code === 'ERROR_CEREMONY_ABORTED') return new Stopped(null)
  if (error instanceof Error && error.name === 'NotAllowedError') return new Stopped(CANCELLED, true)
  if (error instanceof WebAuthnError && error.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') {
    return new Stopped('This device already holds a passkey for your account: use it, or add one on another device.')
  }
  return new Stopped(`Your browser could not use a passkey${error instanceof Error ? `: ${error.message}` : '.'}`)
}

/**
 * What to tell the user of a ceremony that threw: its reason, none for one replaced by another, or
 * that the server was out of reach. `asked`: false for a request the user did not make (the
 * username field's), of which a cancel says nothing: a browser may end one that nobody answered.
 */
export function failureText(error: unknown, asked = true): string | null {
  if (!(error instanceof Stopped)) return UNREACHABLE
  return error.cancelled && !asked ? null : error.shown
}

/** The options an API answered with, or the API's refusal as a Stopped. */
async function optionsFrom<T>(options: Promise<Response>): Promise<T> {
  const response = await options
  if (!response.ok) throw new Stopped((await readApiError(response)).message)
  return (await response.json()) as T
}

/**
 * Signs with a passkey for the options `options` answers with; with `autofill`, through the
 * username field's suggestions (conditional mediation) rather than a dialog. Starting another
 * ceremony ends this one (simplewebauthn aborts it), which then stops silently.
 */
export async function signWithPasskey(options: Promise<Response>, autofill = false): Promise<AuthenticationResponseJSON> {
  const optionsJSON = await optionsFrom<PublicKeyCredentialRequestOptionsJSON>(options)
  try {
    return await startAuthentication({ optionsJSON, useBrowserAutofill: autofill })
  } catch (error) {
    throw ceremonyFailure(error)
  }
}

/** Makes a passkey for the options `options` answers with. */
export async function createPasskey(options: Promise<Response>): Promise<RegistrationResponseJSON> {
  const optionsJSON = await optionsFrom<PublicKeyCredentialCreationOptionsJSON>(options)
  try {
    return await startRegistration({ optionsJSON })
  } catch (error) {
    throw ceremonyFailure(error)
  }
}

/** The options of a passkey sign-in: with no username, or the second step of the password sign-in `mfaToken` names. */
export function signInOptions(mfaToken?: string): Promise<Response> {
  const body = mfaToken === undefined ? {} : { mfa_token: mfaToken }
  return fetch('/api/passkeys/options', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
}

/** The second half of a sign-in: the passkey grant of /api/token, after the password step when `mfaToken` is given. */
export function requestTokenWithPasskey(credential: AuthenticationResponseJSON, mfaToken?: string): Promise<Response> {
  const form = new URLSearchParams({ grant_type: 'urn:passgate:params:oauth:grant-type:passkey', credential: JSON.stringify(credential) })
  if (mfaToken !== undefined) form.set('mfa_token', mfaToken)
  return fetch('/api/token', { method: 'POST', body: form })
}

/**
 * A button's passkey action: `act` runs a ceremony and sends its answer; on success `done` runs,
 * otherwise the reason is kept for display (none for a ceremony another one replaced). Pending
 * meanwhile, so that the button is not pressed twice.
 */
export function usePasskeyAction(act: () => Promise<Response>, done: (response: Response) => unknown) {
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function run() {
    setPending(true)
    setError(null)
    try {
      const response = await act()
      if (response.ok) await done(response)
      else setError((await readApiError(response)).message)
    } catch (error) {
      setError(failureText(error))
    }
    setPending(false)
  }

  return { pending, error, setError, run }
}

/** Where passkeys can work on this page (usePasskeyPlace). */
export type PasskeyPlace = 'here' | 'elsewhere' | 'ip' | 'unsupported'

function placeOf(site: PasskeySite): PasskeyPlace {
  if (!browserSupportsWebAuthn()) return 'unsupported'
  // An IPv4 address, or an IPv6 one in its brackets: never an RP ID a browser accepts.
  if (/^[\d.]+$/.test(site.id) || site.id.startsWith('[')) return 'ip'
  const host = window.location.hostname
  return host === site.id || host.endsWith(`.${site.id}`) ? 'here' : 'elsewhere'
}

const subscribe = () => () => {}

/**
 * Where passkeys can work on this page: `here`, on the RP ID or one of its subdomains; else
 * `elsewhere` (the page was opened at another host), `ip` (the server's own address is an IP
 * address) or `unsupported` (by this browser). Null in the server's HTML, which cannot know.
 */
export function usePasskeyPlace(site: PasskeySite): PasskeyPlace | null {
  return useSyncExternalStore(subscribe, () => placeOf(site), () => null)
}
