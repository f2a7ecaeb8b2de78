import { createHash, createHmac, randomBytes } from 'node:crypto'
import {
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'
import { appOrigin } from '../platform/env'
import { derivedKey } from './tokens'

// WebAuthn for passkeys, through @simplewebauthn/server: the options a browser's ceremony starts
// from, and the checks of its answer (the challenge, the origin, the relying party, user
// verification, the signature, the counter). The relying party is the app's public origin (APP_URL);
// browsers refuse an IP address as its id, the server checks the same way whatever it is.

export type { AuthenticationResponseJSON, RegistrationResponseJSON }

export type RelyingParty = { id: string; origin: string; name: string }

/** The relying party passkeys are made for: APP_URL's host and origin; null (passkeys off) in production without APP_URL. */
export function relyingParty(): RelyingParty | null {
  const origin = appOrigin()
  return origin === null ? null : { id: new URL(origin).hostname, origin, name: 'passgate' }
}

/** A new challenge: 32 random bytes, base64url, as the browser will send it back in clientDataJSON. */
export const newChallenge = (): string => randomBytes(32).toString('base64url')

/** How a challenge is stored: its SHA-256 (a copy of the table does not let anyone answer one). */
export const hashChallenge = (challenge: string): string => createHash('sha256').update(challenge).digest('hex')

/** The challenge an answer claims to answer (from its clientDataJSON), or null when it names none. */
export function answeredChallenge(response: { response?: { clientDataJSON?: unknown } }): string | null {
  const encoded = response.response?.clientDataJSON
  if (typeof encoded !== 'string' || encoded.length > 4096) return null
  try {
    const challenge = (JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as { challenge?: unknown }).challenge
    return typeof challenge === 'string' && /^[A-Za-z0-9_-]{43}$/.test(challenge) ? challenge : null
  } catch {
    return null
  }
}

/** The user handle put in a user's passkeys: opaque, stable (an authenticator keeps one passkey per user), never the id or name. */
function userHandle(userId: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHmac('sha256', derivedKey('passgate webauthn user handle v1')).update(String(userId)).digest())
}

/**
 * The signature algorithms accepted (COSE ids): EdDSA, ES256, RS256, what authenticators make. Not
 * the library's default, which puts ML-DSA first where the runtime has it: Node's ML-DSA is still
 * experimental (and says so in the log on every check), and its signatures are 2.4 kB.
 */
const ALGORITHMS = [-8, -7, -257]

/** A passkey as the checks need it. */
export type StoredCredential = { credentialId: string; publicKey: string; counter: number; transports: string[] }

/**
 * Options for `navigator.credentials.create`: a discoverable credential (a passkey) with user
 * verification, no attestation (nothing about the authenticator is kept), excluding the user's
 * passkeys so that an authenticator is not registered twice.
 */
export function registrationOptions(rp: RelyingParty, user: { id: number; username: string; fullName: string | null }, challenge: string, existing: StoredCredential[]): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userDisplayName: user.fullName ?? user.username,
    userID: userHandle(user.id),
    challenge: Buffer.from(challenge, 'base64url'),
    timeout: 5 * 60 * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map((credential) => ({ id: credential.credentialId, transports: credential.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
  })
}

/** Options for `navigator.credentials.get`: any passkey of this site (`allowed` empty), or only those. */
export function authenticationOptions(rp: RelyingParty, challenge: string, allowed: StoredCredential[]): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: Buffer.from(challenge, 'base64url'),
    timeout: 5 * 60 * 1000,
    userVerification: 'required',
    allowCredentials: allowed.map((credential) => ({ id: credential.credentialId, transports: credential.transports })),
  })
}

/** Why an answer was refused: its origin, its relying party, no user verification, a counter gone backwards (a copy), or anything else. */
export type PasskeyProblem = 'wrong_origin' | 'wrong_rp' | 'not_verified' | 'counter' | 'malformed'

function problemOf(error: unknown): { ok: false; problem: PasskeyProblem; origin?: string } {
  const message = error instanceof Error ? error.message : ''
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'UNEXPECTED_ORIGIN') return { ok: false, problem: 'wrong_origin', origin: /origin "([^"]{0,200})"/.exec(message)?.[1] }
  if (code === 'UNEXPECTED_RP_ID') return { ok: false, problem: 'wrong_rp' }
  if (/^User verification/.test(message)) return { ok: false, problem: 'not_verified' }
  if (/^Response counter value/.test(message)) return { ok: false, problem: 'counter' }
  return { ok: false, problem: 'malformed' }
}

export type Refused = { ok: false; problem: PasskeyProblem; origin?: string }

export type NewCredential = StoredCredential & { backupEligible: boolean; backedUp: boolean }

/** Checks a registration answer against its challenge: the new passkey, or why not. */
export async function checkRegistration(rp: RelyingParty, response: RegistrationResponseJSON, challenge: string): Promise<{ ok: true; credential: NewCredential } | Refused> {
  try {
    const verified = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: true, supportedAlgorithmIDs: ALGORITHMS })
    if (!verified.verified) return { ok: false, problem: 'malformed' }
    const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo
    return {
      ok: true,
      credential: {
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: (credential.transports ?? []).slice(0, 8),
        backupEligible: credentialDeviceType === 'multiDevice',
        backedUp: credentialBackedUp,
      },
    }
  } catch (error) {
    return problemOf(error)
  }
}

/**
 * Checks a sign-in answer of a stored passkey against its challenge: the new counter and backup
 * state, or why not. A counter not above the stored one is a copied authenticator only if the
 * answer is otherwise sound (the library compares counters before it checks the signature): a
 * forged answer must not raise the alarm about a passkey it never had.
 */
export async function checkAssertion(rp: RelyingParty, response: AuthenticationResponseJSON, challenge: string, stored: StoredCredential): Promise<{ ok: true; counter: number; backedUp: boolean } | Refused> {
  const verify = (counter: number) =>
    verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: { id: stored.credentialId, publicKey: new Uint8Array(Buffer.from(stored.publicKey, 'base64url')), counter, transports: stored.transports },
    })
  try {
    const verified = await verify(stored.counter)
    if (!verified.verified) return { ok: false, problem: 'malformed' }
    return { ok: true, counter: verified.authenticationInfo.newCounter, backedUp: verified.authenticationInfo.credentialBackedUp }
  } catch (error) {
    const refused = problemOf(error)
    if (refused.problem !== 'counter') return refused
    const signed = await verify(0).catch(() => null)
    return signed?.verified ? refused : { ok: false, problem: 'malformed' }
  }
}
