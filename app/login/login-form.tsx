'use client'

import { useState } from 'react'
import { field, requestToken, requestTokenWithCode, useApiForm } from '@/app/api-client'
import { LinkButton, SubmitButton } from '@/app/buttons'
import { CodeField } from '@/app/code-field'
import { Field, FormError } from '@/app/ui'

// Two steps when the account has two-step sign-in: the password, then a code. The API answers the
// right password with 403 `mfa_required` and an mfa_token, good for one sign-in within 5 minutes;
// it lives in this component's state only (not the address, not storage), and the code step sends
// it back with the code.

type Challenge = { mfaToken: string; username: string }

export function LoginForm({ next }: { next: string }) {
  const [challenge, setChallenge] = useState<Challenge | null>(null)
  // Kept for "Start again", so that only the password is typed again.
  const [username, setUsername] = useState('')
  // A full navigation, so the server renders `next` with the new cookies.
  const signedIn = () => window.location.assign(next)
  if (challenge === null) return <PasswordStep username={username} onChallenge={setChallenge} onSignedIn={signedIn} />
  return (
    <CodeStep
      mfaToken={challenge.mfaToken}
      onSignedIn={signedIn}
      onStartAgain={() => {
        setUsername(challenge.username)
        setChallenge(null)
      }}
    />
  )
}

function PasswordStep({ username, onChallenge, onSignedIn }: { username: string; onChallenge: (challenge: Challenge) => void; onSignedIn: () => void }) {
  const { pending, error, onSubmit } = useApiForm(async (form) => {
    const response = await requestToken(field(form, 'username'), field(form, 'password'))
    if (response.status === 403) {
      const body = (await response.clone().json().catch(() => null)) as { error?: unknown; mfa_token?: unknown } | null
      if (body?.error === 'mfa_required' && typeof body.mfa_token === 'string') onChallenge({ mfaToken: body.mfa_token, username: field(form, 'username') })
    }
    return response
  }, onSignedIn)
  return (
    <form className="space-y-4" onSubmit={onSubmit} method="post">
      <FormError message={error?.message ?? null} />
      <Field label="Username" name="username" autoComplete="username" defaultValue={username} required />
      {/* Back from the code step, the password is what is left to type. */}
      <Field label="Password" name="password" type="password" autoComplete="current-password" autoFocus={username !== ''} required />
      <SubmitButton pending={pending}>{pending ? 'Signing in…' : 'Sign in'}</SubmitButton>
    </form>
  )
}

function CodeStep({ mfaToken, onSignedIn, onStartAgain }: { mfaToken: string; onSignedIn: () => void; onStartAgain: () => void }) {
  const { pending, error, onSubmit } = useApiForm((form) => requestTokenWithCode(mfaToken, field(form, 'otp')), onSignedIn)
  // A wrong code is told by the field; a spent mfa_token (too old, too many wrong codes, the
  // password changed meanwhile) means starting again.
  const wrongCode = error?.code === 'invalid_grant' && error.message.startsWith('Wrong code')
  const expired = error?.code === 'invalid_grant' && !wrongCode
  return (
    <form className="space-y-4" onSubmit={onSubmit} method="post" aria-labelledby="code-step-heading">
      <div className="space-y-1">
        <h2 id="code-step-heading" className="text-lg font-semibold">
          Two-step sign-in
        </h2>
        <p className="text-sm text-gray-700">Your password is right. Now enter the code from your authenticator app.</p>
      </div>
      <FormError message={expired ? 'This sign-in has expired, or had too many wrong codes: start again with your password.' : wrongCode ? null : (error?.message ?? null)} />
      <CodeField name="otp" error={wrongCode ? error.message : undefined} autoFocus />
      <SubmitButton pending={pending}>{pending ? 'Checking…' : 'Sign in'}</SubmitButton>
      <p className="text-center">
        <LinkButton onClick={onStartAgain}>Start again</LinkButton>
      </p>
    </form>
  )
}
