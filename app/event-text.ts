import type { AuditEntry, AuditKind } from '@/lib/accounts/audit'

// Audit events in plain words, for a user's own activity list and the admins' audit log. Every
// kind has a label (the type makes a new kind fail to compile until it gets one); some read their
// detail for a more precise sentence.

/** What each kind of event is, as the audit log's filter offers it. */
export const KIND_LABELS: Record<AuditKind, string> = {
  login_succeeded: 'Signed in',
  login_failed: 'Sign-in failed',
  throttled: 'Slowed down (too many attempts)',
  locked_out: 'Locked to new devices',
  lockout_cleared: 'Lock-out lifted',
  logout: 'Signed out',
  token_refreshed: 'Session renewed',
  refresh_token_reused: 'Refresh token reused',
  session_ended: 'Session ended',
  sessions_ended: 'All sessions ended',
  password_changed: 'Password changed',
  signed_up: 'Signed up',
  user_created: 'Account created at the terminal',
  user_disabled: 'Account disabled',
  user_enabled: 'Account enabled',
  role_changed: 'Role changed',
  key_created: 'Access token created',
  key_deleted: 'Access token deleted',
  key_rejected: 'Unknown access token',
  email_changed: 'Email address changed',
  email_verification_sent: 'Verification link mailed',
  email_change_notice_sent: 'Old address told of the change',
  email_verified: 'Email address confirmed',
  password_reset_requested: 'Password reset link mailed',
  reset_link_created: 'Password reset link made by an admin',
  password_reset: 'Password reset',
  mfa_required: 'Password right, code asked for',
  mfa_enabled: 'Two-step sign-in turned on',
  mfa_disabled: 'Two-step sign-in turned off',
  mfa_reset: 'Two-step sign-in reset',
  recovery_codes_created: 'New recovery codes made',
  recovery_code_used: 'Recovery code used',
  reauthenticated: 'Identity confirmed',
  reauth_failed: 'Identity not confirmed',
  security_notice_sent: 'Security notice mailed',
  passkey_added: 'Passkey added',
  passkey_renamed: 'Passkey renamed',
  passkey_removed: 'Passkey removed',
  passkey_counter_regressed: 'Copied passkey refused',
}

export function isAuditKind(kind: string): kind is AuditKind {
  return Object.hasOwn(KIND_LABELS, kind)
}

type Described = Pick<AuditEntry, 'kind' | 'detail' | 'target_id'>

/** One event in a few words: "Wrong password", "Made admin", "All sessions ended (3)". */
export function describeEvent({ kind, detail, target_id }: Described): string {
  switch (kind) {
    case 'login_succeeded':
      if (detail.amr === 'passkey') return 'Signed in with a passkey'
      if (detail.amr === 'pwd passkey') return 'Signed in with the password and a passkey'
      return KIND_LABELS[kind]
    case 'login_failed':
      // A passkey not registered here names no account: it is no unknown username.
      if (detail.reason === 'passkey') {
        const why = typeof detail.problem === 'string' && Object.hasOwn(PASSKEY_PROBLEMS, detail.problem) ? `: ${PASSKEY_PROBLEMS[detail.problem]}` : ''
        return `Passkey refused at sign-in${why}`
      }
      if (target_id === null) return 'Sign-in with an unknown username'
      if (detail.reason === 'inactive') return 'Sign-in refused: account disabled'
      if (detail.reason === 'credentials_changed') return 'Sign-in refused: the password had just changed'
      if (detail.reason === 'wrong_otp') return 'Wrong code at sign-in (the password was right)'
      return 'Wrong password'
    case 'throttled': {
      // One row per throttle window; `count` counts the requests it turned away.
      return `${describeRefusal(detail)}${timesText(detail)}`
    }
    case 'locked_out':
      return `Locked to new devices after ${typeof detail.failures === 'number' ? detail.failures : 'many'} wrong passwords`
    case 'refresh_token_reused':
      return 'Session ended: its refresh token was used twice'
    case 'session_ended':
      return detail.reason === 'evicted' ? 'Oldest session ended: too many sessions' : 'Session ended'
    case 'mfa_reset':
      if (detail.via === 'terminal') return 'Two-step sign-in removed at the terminal'
    // falls through: an admin's reset counts the sessions it ended
    case 'sessions_ended':
    case 'user_disabled':
    case 'password_reset':
      return typeof detail.sessions_ended === 'number' && detail.sessions_ended > 0
        ? `${KIND_LABELS[kind]} (${detail.sessions_ended} signed out)`
        : KIND_LABELS[kind]
    case 'key_created':
    case 'key_deleted':
    case 'passkey_added':
    case 'passkey_renamed':
    case 'passkey_removed':
    case 'passkey_counter_regressed':
      return typeof detail.name === 'string' ? `${KIND_LABELS[kind]}: ${detail.name}` : KIND_LABELS[kind]
    case 'key_rejected':
      return `${KIND_LABELS[kind]}${timesText(detail)}`
    case 'recovery_code_used':
      return typeof detail.left === 'number' ? `${KIND_LABELS[kind]} (${detail.left} left)` : KIND_LABELS[kind]
    case 'reauthenticated':
    case 'reauth_failed': {
      if (detail.method === 'passkey') return kind === 'reauthenticated' ? 'Identity confirmed with a passkey' : 'Identity not confirmed: passkey refused'
      const how = detail.method === 'pwd' ? 'password' : detail.method === 'otp' ? 'code' : detail.method === 'recovery' ? 'recovery code' : null
      if (how === null) return KIND_LABELS[kind]
      return kind === 'reauthenticated' ? `Identity confirmed with the ${how}` : `Identity not confirmed: wrong ${how}`
    }
    case 'role_changed':
      return detail.to === 'admin' ? 'Made admin' : detail.to === 'user' ? 'Made a plain user' : 'Role changed'
    default:
      return isAuditKind(kind) ? KIND_LABELS[kind] : kind
  }
}

/** Why a passkey was refused at sign-in (the `problem` of lib/signin/passkeys.ts's refusals). */
const PASSKEY_PROBLEMS: Record<string, string> = {
  counter: 'its signature counter went backwards, as a copy’s would',
  unknown_credential: 'not registered here',
  other_account: 'it belongs to another account',
  wrong_origin: 'it answered for another site',
  wrong_rp: 'it belongs to another site',
  not_verified: 'no PIN, fingerprint or face',
  expired: 'the request had expired or was used',
  foreign: 'the request was begun for another account',
  malformed: 'not a valid answer',
}

/** What a throttle refused, from its audit detail. */
function describeRefusal(detail: Described['detail']): string {
  if (detail.action === 'signup') return 'Sign-up slowed down: too many from this address'
  if (detail.action === 'password_change') return 'Password change slowed down: too many wrong passwords'
  if (detail.action === 'password_reset') return 'Password reset requests slowed down: too many'
  if (detail.action === 'password_reset_mail') return 'Password reset link not mailed: too many asked for'
  if (detail.action === 'mail') return 'Message not sent: too many to this address'
  if (detail.action === 'email_change') return 'Email change slowed down: too many wrong passwords'
  if (detail.reason === 'locked_out') return 'Sign-in refused: locked to new devices'
  if (detail.reason === 'successes') return 'Sign-in refused: too many sign-ins'
  return 'Sign-in slowed down: too many attempts'
}

/** " (145 times)" for an event recorded once per window with a count. */
function timesText(detail: Described['detail']): string {
  return typeof detail.count === 'number' && detail.count > 1 ? ` (${detail.count} times)` : ''
}
