import { callApi, sendJson } from '@/app/api-client'
import type { DirectoryEntry, ResetLink } from '@/lib/operators/admin'

// What an admin can do to a user from the directory: the button, the question the confirmation
// asks (naming the user and what will happen), the request, and the row afterwards.

export type UserAction = 'disable' | 'enable' | 'make_admin' | 'make_user' | 'end_sessions' | 'reset_link' | 'unlock' | 'reset_mfa'

type ActionText = {
  /** The button in the row; the user's name follows it for screen readers. */
  button: string
  question: (name: string) => string
  consequence: (user: DirectoryEntry) => string
  /** The dialog's button, starting with a verb: a failure reads "Could not <confirm>". */
  confirm: (name: string) => string
  done: (name: string) => string
  /** Takes something away from the user: the confirmation is red. */
  harmful: boolean
}

export const ACTIONS: Record<UserAction, ActionText> = {
  disable: {
    button: 'Disable',
    question: (name) => `Disable ${name}?`,
    consequence: (user) =>
      `${user.username} is signed out on every device at once${sessionCount(user)} and cannot sign in until an admin enables the account again.`,
    confirm: (name) => `Disable ${name}`,
    done: (name) => `${name} is disabled and signed out everywhere.`,
    harmful: true,
  },
  enable: {
    button: 'Enable',
    question: (name) => `Enable ${name}?`,
    consequence: (user) => `${user.username} can sign in again with their password. The sessions that ended when the account was disabled stay ended.`,
    confirm: (name) => `Enable ${name}`,
    done: (name) => `${name} is enabled and can sign in again.`,
    harmful: false,
  },
  make_admin: {
    button: 'Make admin',
    question: (name) => `Make ${name} an admin?`,
    consequence: (user) => `${user.username} will see every user and the audit log, and can disable, enable, promote and sign out other users.`,
    confirm: (name) => `Make ${name} an admin`,
    done: (name) => `${name} is now an admin.`,
    harmful: false,
  },
  make_user: {
    button: 'Make user',
    question: (name) => `Make ${name} a plain user?`,
    consequence: (user) => `${user.username} loses the user directory, the audit log and every admin action. Their own account stays as it is.`,
    confirm: (name) => `Make ${name} a plain user`,
    done: (name) => `${name} is now a plain user.`,
    harmful: true,
  },
  end_sessions: {
    button: 'End all sessions',
    question: (name) => `End every session of ${name}?`,
    consequence: (user) => `${user.username} is signed out on every device${sessionCount(user)} and has to sign in again with their password.`,
    confirm: (name) => `End every session of ${name}`,
    done: (name) => `Every session of ${name} has ended.`,
    harmful: true,
  },
  reset_link: {
    button: 'Reset link',
    question: (name) => `Make a password reset link for ${name}?`,
    consequence: (user) =>
      `Whoever opens the link can set a new password for ${user.username}, which signs ${user.username} out everywhere. You see it this once, to hand to ${user.username} yourself, and the audit log records that you made it.`,
    confirm: (name) => `Make a reset link for ${name}`,
    done: (name) => `A reset link for ${name} is ready.`,
    harmful: false,
  },
  unlock: {
    button: 'Unlock',
    question: (name) => `Unlock ${name}?`,
    consequence: (user) =>
      `New browsers and scripts may try to sign in as ${user.username} again. The lock came after 100 wrong passwords in a row: if they were not ${user.username}'s own, someone is guessing.`,
    confirm: (name) => `Unlock ${name}`,
    done: (name) => `${name} can sign in from new devices again.`,
    harmful: false,
  },
  reset_mfa: {
    button: 'Reset two-step sign-in',
    question: (name) => `Reset two-step sign-in for ${name}?`,
    consequence: (user) =>
      `${user.username}'s authenticator app, recovery codes and passkeys stop working: their password alone signs them in until they set up a second factor again. They are signed out everywhere${sessionCount(user)}. Do this only once you are sure the request comes from ${user.username}.`,
    confirm: (name) => `Reset two-step sign-in for ${name}`,
    done: (name) => `Two-step sign-in is off for ${name}, who is signed out everywhere.`,
    harmful: true,
  },
}

function sessionCount(user: DirectoryEntry): string {
  if (user.live_sessions === 0) return ''
  return user.live_sessions === 1 ? ' (1 live session)' : ` (${user.live_sessions} live sessions)`
}

/**
 * The actions a row offers, one per slot (account, role, sessions, lock-out, second factor): a
 * slot keeps its button element when its action flips (Disable becomes Enable), so focus stays on
 * it. No row offers what the API refuses (lib/operators/admin.ts): the admin's own row neither
 * disabling nor demoting themselves (another admin must), a reset link (the password form on this
 * page is the way) nor resetting their second factor (their Two-step sign-in section is); no
 * admin's row a reset link (an admin recovers from a terminal).
 */
export function actionsFor(user: DirectoryEntry, own: boolean): [slot: string, action: UserAction][] {
  const actions: [string, UserAction][] = []
  if (!own) actions.push(['account', user.disabled ? 'enable' : 'disable'], ['role', user.role === 'admin' ? 'make_user' : 'make_admin'])
  actions.push(['sessions', 'end_sessions'])
  // The API refuses a link for a disabled account: it could not sign in with the new password.
  if (!user.disabled && !own && user.role === 'user') actions.push(['reset', 'reset_link'])
  if (user.locked) actions.push(['lockout', 'unlock'])
  if ((user.mfa.totp || user.mfa.passkeys > 0) && !own) actions.push(['mfa', 'reset_mfa'])
  return actions
}

/** Sends the action; on success, the row as it is now, and for `reset_link` the link. */
export async function perform(action: UserAction, user: DirectoryEntry): Promise<{ response: Response; updated: DirectoryEntry | null; link?: ResetLink }> {
  const path = `/api/users/${user.id}`
  switch (action) {
    case 'disable':
    case 'enable':
    case 'make_admin':
    case 'make_user': {
      const change = action === 'disable' || action === 'enable' ? { disabled: action === 'disable' } : { role: action === 'make_admin' ? 'admin' : 'user' }
      const response = await sendJson('PATCH', path, change)
      return { response, updated: response.ok ? ((await response.json()) as DirectoryEntry) : null }
    }
    case 'end_sessions': {
      const response = await callApi(`${path}/sessions`, { method: 'DELETE' })
      return { response, updated: response.ok ? { ...user, live_sessions: 0 } : null }
    }
    case 'reset_link': {
      const response = await callApi(`${path}/reset-link`, { method: 'POST' })
      if (!response.ok) return { response, updated: null }
      const link = (await response.json()) as ResetLink
      // Without APP_URL the API gives only the path: the address this admin reaches the app at goes in front.
      return { response, updated: user, link: { ...link, url: new URL(link.url, window.location.origin).href } }
    }
    case 'unlock': {
      const response = await callApi(`${path}/lockout`, { method: 'DELETE' })
      return { response, updated: response.ok ? { ...user, locked: false } : null }
    }
    case 'reset_mfa': {
      const response = await callApi(`${path}/mfa`, { method: 'DELETE' })
      return { response, updated: response.ok ? { ...user, live_sessions: 0, mfa: { ...user.mfa, totp: false, recovery_codes_left: 0, passkeys: 0 } } : null }
    }
  }
}
