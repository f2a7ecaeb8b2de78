'use client'

import { useState } from 'react'
import { field, requestToken, useApiForm } from '@/app/api-client'
import { SubmitButton } from '@/app/buttons'
import type { PasskeySite } from '@/app/passkeys'
import { Field, FormError } from '@/app/ui'
import { PasskeySignIn } from './passkey-sign-in'
import { type Challenge, type SecondFactor, SecondStep } from './second-step'

// Two steps when the account has a second factor: the password, then a code or a passkey. The API
// answers the right password with 403 `mfa_required`, an mfa_token good for one sign-in within 5
// minutes and the methods the account has; the token lives in this component's state only (not
// the address, not storage), and the second step sends it back. A passkey alone is a whole
// sign-in (PasskeySignIn), with no username or password.

export function LoginForm({ next, passkeys }: { next: string; passkeys: PasskeySite | null }) {
  const [challenge, setChallenge] = useState<Challenge | null>(null)
  // Kept for "Start again", so that only the password is typed again.
  const [username, setUsername] = useState('')
  // A full navigation, so the server renders `next` with the new cookies.
  const signedIn = () => window.location.assign(next)
  if (challenge === null) {
    return (
      <>
        <PasswordStep username={username} passkeys={passkeys !== null} onChallenge={setChallenge} onSignedIn={signedIn} />
        {passkeys !== null ? <PasskeySignIn site={passkeys} onSignedIn={signedIn} /> : null}
      </>
    )
  }
  return (
    <SecondStep
      challenge={challenge}
      passkeys={passkeys}
      onSignedIn={signedIn}
      onStartAgain={() => {
        setUsername(challenge.username)
        setChallenge(null)
      }}
    />
  )
}

function PasswordStep({
  username,
  passkeys,
  onChallenge,
  onSignedIn,
}: {
  username: string
  passkeys: boolean
  onChallenge: (challenge: Challenge) => void
  onSignedIn: () => void
}) {
  const { pending, error, onSubmit } = useApiForm(async (form) => {
    const response = await requestToken(field(form, 'username'), field(form, 'password'))
    if (response.status === 403) {
      const body = (await response.clone().json().catch(() => null)) as { error?: unknown; mfa_token?: unknown; mfa_methods?: unknown } | null
      if (body?.error === 'mfa_required' && typeof body.mfa_token === 'string') {
        onChallenge({ mfaToken: body.mfa_token, username: field(form, 'username'), methods: readMethods(body.mfa_methods) })
      }
    }
    return response
  }, onSignedIn)
  return (
    <form className="space-y-4" onSubmit={onSubmit} method="post">
      <FormError message={error?.message ?? null} />
      {/* "webauthn" lets the browser offer the account's passkeys among the field's suggestions. */}
      <Field label="Username" name="username" autoComplete={passkeys ? 'username webauthn' : 'username'} defaultValue={username} required />
      {/* Back from the second step, the password is what is left to type. */}
      <Field label="Password" name="password" type="password" autoComplete="current-password" autoFocus={username !== ''} required />
      <SubmitButton pending={pending}>{pending ? 'Signing in…' : 'Sign in'}</SubmitButton>
    </form>
  )
}

/** The second factors the API says the account has; a code alone from a server that does not say. */
function readMethods(methods: unknown): SecondFactor[] {
  if (!Array.isArray(methods)) return ['otp']
  const known = methods.filter((method): method is SecondFactor => method === 'passkey' || method === 'otp')
  return known.length > 0 ? known : ['otp']
}
