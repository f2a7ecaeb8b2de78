import { and, eq, gt, lt, sql } from 'drizzle-orm'
import { recordAttempt, recordEvent, recordRefusal } from '../accounts/audit'
import { type Passkey, type FoundPasskey, MAX_PASSKEYS, addPasskey, countPasskeys, findPasskey, recordPasskeyUse, removePasskey, renamePasskey, storedCredentials } from '../accounts/passkeys'
import { type MfaStatus, hasSecondFactor } from '../accounts/second-factor'
import { type PublicUser, getAccount, lockUser } from '../accounts/users'
import {
  type AuthenticationResponseJSON,
  type PasskeyProblem,
  type RegistrationResponseJSON,
  answeredChallenge,
  authenticationOptions,
  checkAssertion,
  checkRegistration,
  hashChallenge,
  newChallenge,
  registrationOptions,
  relyingParty,
} from '../credentials/passkey'
import { getDb } from '../platform/db'
import { getEnv } from '../platform/env'
import { webauthnChallenges } from '../platform/schema'
import type { Client } from '../request/client'
import { refundAttempt, takeAttempt } from '../request/rate-limit'
import { countFailure, findChallenge, mfaRequiredFor } from './mfa'
import { mailNoticeLater } from './recovery'
import { isSessionUsable } from './sessions'

// Passkeys: registering them, and checking an answer to a ceremony, for a sign-in, the second step
// after a password, or a step-up. Owns the `webauthn_challenges` table: each ceremony's challenge
// is kept (as its SHA-256) with what it was begun for and by whom, for CEREMONY_MINUTES, and
// deleted when an answer arrives, so that any instance finishes a ceremony another began and no
// answer is accepted twice (docs/decisions/020-passkeys.md).

export { relyingParty }

const CEREMONY_MINUTES = 5

type Throttled = { ok: false; reason: 'throttled'; retryAfter: number }
type Off = { ok: false; reason: 'off' }
const OFF: Off = { ok: false, reason: 'off' }

/** A signed-in caller acting on their own passkeys. */
type Caller = { user: PublicUser; sessionId: string; mfa: MfaStatus }

type Purpose = 'registration' | 'sign_in' | 'second_step' | 'reauth'
type Ceremony = { purpose: Purpose; userId: number | null; sessionId: string | null }

/** Keeps a new challenge for a ceremony and gives it (expired ones are deleted on the way). */
async function beginCeremony(ceremony: Ceremony): Promise<string> {
  const challenge = newChallenge()
  const db = await getDb()
  await db.delete(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, sql`now()`))
  await db.insert(webauthnChallenges).values({ challengeHash: hashChallenge(challenge), ...ceremony, expiresAt: sql`now() + make_interval(mins => ${CEREMONY_MINUTES})` })
  return challenge
}

/** Why an answer was refused: a problem of the answer itself, or of what it answers. */
export type Refusal = PasskeyProblem | 'expired' | 'foreign' | 'unknown_credential' | 'other_account'
/** `userId`: the user of the passkey the answer named, when it is one of ours. */
type Refused = { ok: false; reason: 'refused'; refusal: Refusal; origin?: string; userId?: number }
const refused = (refusal: Refusal, origin?: string, userId?: number): Refused => ({ ok: false, reason: 'refused', refusal, origin, userId })

/**
 * Uses up the challenge an answer names: its ceremony, or `expired` (unknown, used, or too old: a
 * replayed answer lands here) or `foreign` (begun for another purpose, user or session).
 */
async function takeChallenge(response: { response?: { clientDataJSON?: unknown } }, expected: Ceremony): Promise<{ ok: true; challenge: string } | Refused> {
  const challenge = answeredChallenge(response)
  if (challenge === null) return refused('malformed')
  const db = await getDb()
  const [row] = await db
    .delete(webauthnChallenges)
    .where(and(eq(webauthnChallenges.challengeHash, hashChallenge(challenge)), gt(webauthnChallenges.expiresAt, sql`now()`)))
    .returning({ purpose: webauthnChallenges.purpose, userId: webauthnChallenges.userId, sessionId: webauthnChallenges.sessionId })
  if (row === undefined) return refused('expired')
  const matches = row.purpose === expected.purpose && row.userId === expected.userId && row.sessionId === expected.sessionId
  return matches ? { ok: true, challenge } : refused('foreign')
}

// Registering.

export type RegistrationOptions = Awaited<ReturnType<typeof registrationOptions>>

/** `POST /api/users/me/passkeys/options`: the options for the browser to make a passkey. */
export async function beginRegistration(caller: Caller): Promise<{ ok: true; options: RegistrationOptions } | { ok: false; reason: 'limit' } | Off> {
  const rp = relyingParty()
  if (rp === null) return OFF
  const existing = await storedCredentials(caller.user.id)
  if (existing.length >= MAX_PASSKEYS) return { ok: false, reason: 'limit' }
  const challenge = await beginCeremony({ purpose: 'registration', userId: caller.user.id, sessionId: caller.sessionId })
  const options = await registrationOptions(rp, { id: caller.user.id, username: caller.user.username, fullName: caller.user.full_name }, challenge, existing)
  return { ok: true, options }
}

export type AddPasskeyResult = { ok: true; passkey: Passkey } | { ok: false; reason: 'limit' | 'duplicate' | 'session_ended' } | Refused | Off

/**
 * `POST /api/users/me/passkeys`: the browser's answer to a registration this session began. The
 * new passkey is written while the session is still usable, under the user's locked row (the
 * limit holds for two registrations at once); the user's verified address is told.
 */
export async function finishRegistration(caller: Caller, response: RegistrationResponseJSON, name: string, client: Client): Promise<AddPasskeyResult> {
  const rp = relyingParty()
  if (rp === null) return OFF
  const taken = await takeChallenge(response, { purpose: 'registration', userId: caller.user.id, sessionId: caller.sessionId })
  if (!taken.ok) return taken
  const checked = await checkRegistration(rp, response, taken.challenge)
  if (!checked.ok) return refused(checked.problem, checked.origin)
  const outcome = await (await getDb()).transaction(async (tx) => {
    if ((await lockUser(tx, caller.user.id)) === null || !(await isSessionUsable(tx, caller.sessionId, caller.user.id))) return { ok: false, reason: 'session_ended' } as const
    const added = await addPasskey(tx, caller.user.id, checked.credential, name)
    if (added.ok) await recordEvent(tx, { kind: 'passkey_added', actorId: caller.user.id, targetId: caller.user.id, client, detail: { passkey_id: added.passkey.id, name } })
    return added
  })
  if (outcome.ok) {
    mailNoticeLater(caller.user, 'A passkey was added to your account', [`A passkey named "${name}" can now sign in to your account.`, '', 'If you did not add it, remove it on your account page, change your password and end your other sessions.'], client)
  }
  return outcome
}

/** `PATCH /api/users/me/passkeys/{id}`: a new name; null when the caller has no such passkey. */
export async function renameOwnPasskey(caller: Caller, id: string, name: string, client: Client): Promise<Passkey | null> {
  const passkey = await renamePasskey(caller.user.id, id, name)
  if (passkey !== null) await recordAttempt({ kind: 'passkey_renamed', actorId: caller.user.id, targetId: caller.user.id, client, detail: { passkey_id: id, name } })
  return passkey
}

/**
 * `DELETE /api/users/me/passkeys/{id}`: the passkey no longer signs in. Refused when MFA_REQUIRED
 * covers the user and it is their last second factor. The user's verified address is told.
 */
export async function removeOwnPasskey(caller: Caller, id: string, client: Client): Promise<{ ok: true } | { ok: false; reason: 'not_found' | 'required' | 'session_ended' }> {
  const outcome = await (await getDb()).transaction(async (tx) => {
    if ((await lockUser(tx, caller.user.id)) === null || !(await isSessionUsable(tx, caller.sessionId, caller.user.id))) return { ok: false, reason: 'session_ended' } as const
    if (mfaRequiredFor(caller.user.role) && !caller.mfa.totp && (await countPasskeys(tx, caller.user.id)) <= 1) return { ok: false, reason: 'required' } as const
    const name = await removePasskey(tx, caller.user.id, id)
    if (name === null) return { ok: false, reason: 'not_found' } as const
    await recordEvent(tx, { kind: 'passkey_removed', actorId: caller.user.id, targetId: caller.user.id, client, detail: { passkey_id: id, name } })
    return { ok: true, name } as const
  })
  if (!outcome.ok) return outcome
  mailNoticeLater(caller.user, 'A passkey was removed from your account', [`The passkey named "${outcome.name}" no longer signs in to your account.`, '', 'If you did not remove it, change your password and end your other sessions.'], client)
  return { ok: true }
}

// Answering with a passkey: a sign-in, the second step after a password, a step-up.

export type AuthenticationOptions = Awaited<ReturnType<typeof authenticationOptions>>

/**
 * `POST /api/passkeys/options`: the options for a sign-in with any passkey of this site (no
 * username), or, with the mfa_token of a password step, for that user's passkeys. Counted per
 * client address: each writes a row.
 */
export async function beginPasskeySignIn(mfaToken: string | undefined, client: Client): Promise<{ ok: true; options: AuthenticationOptions } | { ok: false; reason: 'invalid_mfa_token' | 'no_passkey' } | Throttled | Off> {
  const rp = relyingParty()
  if (rp === null) return OFF
  const gate = await takeAttempt(client.ip === null ? [] : [{ key: `passkey:options:ip:${client.ip}`, limit: getEnv().THROTTLE_LOGIN_PER_IP }])
  if (!gate.ok) {
    await recordRefusal({ client, detail: { action: 'passkey_options' } }, gate.window)
    return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  }
  if (mfaToken === undefined) return { ok: true, options: await authenticationOptions(rp, await beginCeremony({ purpose: 'sign_in', userId: null, sessionId: null }), []) }
  const challenge = await findChallenge(mfaToken)
  const account = challenge === null ? null : await getAccount(challenge.userId)
  if (challenge === null || account === null || account.credentialsEpoch !== challenge.credentialsEpoch || account.user.disabled) return { ok: false, reason: 'invalid_mfa_token' }
  const allowed = await storedCredentials(account.user.id)
  if (allowed.length === 0) return { ok: false, reason: 'no_passkey' }
  return { ok: true, options: await authenticationOptions(rp, await beginCeremony({ purpose: 'second_step', userId: account.user.id, sessionId: null }), allowed) }
}

/** `POST /api/users/me/reauth/options`: the options for a step-up with one of the caller's passkeys. */
export async function beginPasskeyReauth(caller: Caller): Promise<{ ok: true; options: AuthenticationOptions } | { ok: false; reason: 'no_passkey' } | Off> {
  const rp = relyingParty()
  if (rp === null) return OFF
  const allowed = await storedCredentials(caller.user.id)
  if (allowed.length === 0) return { ok: false, reason: 'no_passkey' }
  return { ok: true, options: await authenticationOptions(rp, await beginCeremony({ purpose: 'reauth', userId: caller.user.id, sessionId: caller.sessionId }), allowed) }
}

export type PasskeyAnswer = { ok: true; passkey: FoundPasskey } | Refused | Throttled | Off

/**
 * Checks an answer to a sign-in, second-step or step-up ceremony (`expected`: what it must have
 * been begun for; `userId` null for a sign-in, whose user the passkey names).
 * - Counted before it is checked, per client address (with passwords) and per passkey; a right
 *   answer gives its attempts back.
 * - The challenge is used up first, right or wrong.
 * - A refused answer of a known passkey counts toward its user's run of failures
 *   (LOCKOUT_FAILURES). A counter not above the stored one (a copied authenticator) is audited.
 */
export async function checkPasskeyAnswer(response: AuthenticationResponseJSON, expected: Ceremony, client: Client): Promise<PasskeyAnswer> {
  const rp = relyingParty()
  if (rp === null) return OFF
  const env = getEnv()
  const perAddress = client.ip === null ? [] : [{ key: `login:ip:${client.ip}`, limit: env.THROTTLE_LOGIN_PER_IP }]
  const gate = await takeAttempt(perAddress)
  if (!gate.ok) {
    await recordRefusal({ client, detail: { action: 'passkey' } }, gate.window)
    return { ok: false, reason: 'throttled', retryAfter: gate.retryAfter }
  }
  const taken = await takeChallenge(response, expected)
  if (!taken.ok) return taken
  const passkey = typeof response.id === 'string' ? await findPasskey(response.id) : null
  if (passkey === null) return refused('unknown_credential')
  if (expected.userId !== null && passkey.userId !== expected.userId) return refused('other_account', undefined, passkey.userId)
  const perPasskey = { key: `passkey:${passkey.id}`, limit: env.THROTTLE_LOGIN_PER_USER }
  const passkeyGate = await takeAttempt([perPasskey])
  if (!passkeyGate.ok) {
    await recordRefusal({ targetId: passkey.userId, client, detail: { action: 'passkey', passkey_id: passkey.id } }, passkeyGate.window)
    return { ok: false, reason: 'throttled', retryAfter: passkeyGate.retryAfter }
  }
  const checked = await checkAssertion(rp, response, taken.challenge, passkey.stored)
  const problem: Refusal | null = checked.ok ? await recordUse(passkey, checked) : checked.problem
  if (problem !== null) {
    const account = await getAccount(passkey.userId)
    if (problem === 'counter') {
      await recordAttempt({ kind: 'passkey_counter_regressed', actorId: null, targetId: passkey.userId, client, detail: { passkey_id: passkey.id, name: passkey.name } })
    }
    if (account !== null) await countFailure(account.user, client, { username: account.user.username })
    return refused(problem, checked.ok ? undefined : checked.origin, passkey.userId)
  }
  await refundAttempt([...perAddress.map((bucket) => bucket.key), perPasskey.key])
  return { ok: true, passkey }
}

/**
 * Records a sound answer's use: null, or why it cannot count after all: the passkey was removed
 * since it was looked up (an admin's reset, its owner), or another answer with a counter as high
 * was recorded first.
 */
async function recordUse(passkey: FoundPasskey, checked: { counter: number; backedUp: boolean }): Promise<Refusal | null> {
  if (await recordPasskeyUse(passkey.id, checked.counter, checked.backedUp)) return null
  return (await findPasskey(passkey.stored.credentialId)) === null ? 'unknown_credential' : 'counter'
}

/** What the API says when the account has MAX_PASSKEYS already (409). */
export const TOO_MANY_PASSKEYS = `An account can have at most ${MAX_PASSKEYS} passkeys: remove one first`

/** What the API says when passkeys are off (production without APP_URL). */
export const PASSKEYS_OFF = "Passkeys are off on this server: set APP_URL to the app's public address"

/** What the API says about a refused answer (400). */
export function refusalDetail(refusal: Refusal, origin?: string): string {
  switch (refusal) {
    case 'expired':
      return 'This passkey request has expired or was already used: start again'
    case 'foreign':
      return 'This passkey request was begun for another account: start again'
    case 'wrong_origin':
      return `The passkey answered for another site (${origin ?? 'unknown origin'}), not this one`
    case 'wrong_rp':
      return 'The passkey belongs to another site'
    case 'unknown_credential':
      return 'This passkey is not registered here (it may have been removed)'
    case 'other_account':
      return 'This passkey belongs to another account'
    case 'not_verified':
      return 'The passkey did not verify you (a PIN, fingerprint or face is required)'
    case 'counter':
      return "This passkey's signature counter went backwards, as a copied passkey's would: it was refused. Sign in another way, and remove it if you did not expect this."
    case 'malformed':
      return 'Not a valid passkey response'
  }
}
