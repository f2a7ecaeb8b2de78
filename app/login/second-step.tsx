'use client'

import { field, requestTokenWithCode, useApiForm } from '@/app/api-client'
import { LinkButton, SecondaryButton, SubmitButton } from '@/app/buttons'
import { CodeField } from '@/app/code-field'
import { PasskeyNotice } from '@/app/passkey-notice'
import { type PasskeySite, requestTokenWithPasskey, signInOptions, signWithPasskey, usePasskeyAction, usePasskeyPlace } from '@/app/passkeys'
import { FormError, OrDivider } from '@/app/ui'

/** A second factor an account can answer the second step with, as the API names it. */
export type SecondFactor = 'passkey' | 'otp'

export type Challenge = { mfaToken: string; username: string; methods: SecondFactor[] }

const INTRO = {
  passkey: 'Your password is right. Now confirm with your passkey.',
  otp: 'Your password is right. Now enter the code from your authenticator app.',
  both: 'Your password is right. Now confirm with your passkey, or enter the code from your authenticator app.',
}

/**
 * The second step of a password sign-in: a passkey and/or a code, whichever the account has (the
 * passkey first: nothing to type). "Start again" goes back to the password.
 */
export function SecondStep({
  challenge,
  passkeys,
  onSignedIn,
  onStartAgain,
}: {
  challenge: Challenge
  passkeys: PasskeySite | null
  onSignedIn: () => void
  onStartAgain: () => void
}) {
  const passkey = passkeys !== null && challenge.methods.includes('passkey')
  const otp = challenge.methods.includes('otp')
  return (
    <section className="space-y-4" aria-labelledby="second-step-heading">
      <div className="space-y-1">
        <h2 id="second-step-heading" className="text-lg font-semibold">
          Two-step sign-in
        </h2>
        <p className="text-sm text-gray-700">{INTRO[passkey && otp ? 'both' : passkey ? 'passkey' : 'otp']}</p>
      </div>
      {passkey ? <PasskeyStep site={passkeys} mfaToken={challenge.mfaToken} autoFocus={!otp} onSignedIn={onSignedIn} /> : null}
      {passkey && otp ? <OrDivider /> : null}
      {otp ? <CodeStep mfaToken={challenge.mfaToken} onSignedIn={onSignedIn} /> : null}
      <p className="text-center">
        <LinkButton onClick={onStartAgain}>Start again</LinkButton>
      </p>
    </section>
  )
}

function PasskeyStep({ site, mfaToken, autoFocus, onSignedIn }: { site: PasskeySite; mfaToken: string; autoFocus: boolean; onSignedIn: () => void }) {
  const place = usePasskeyPlace(site)
  const { pending, error, run } = usePasskeyAction(async () => requestTokenWithPasskey(await signWithPasskey(signInOptions(mfaToken)), mfaToken), onSignedIn)
  if (place !== null && place !== 'here') return <PasskeyNotice site={site} place={place} />
  return (
    <div className="space-y-3">
      <FormError message={error} />
      <SecondaryButton pending={pending} autoFocus={autoFocus} onClick={run}>
        {pending ? 'Waiting for your passkey…' : 'Use a passkey'}
      </SecondaryButton>
    </div>
  )
}

function CodeStep({ mfaToken, onSignedIn }: { mfaToken: string; onSignedIn: () => void }) {
  const { pending, error, onSubmit } = useApiForm((form) => requestTokenWithCode(mfaToken, field(form, 'otp')), onSignedIn)
  // A wrong code is told by the field; a spent mfa_token (too old, too many wrong codes, the
  // password changed meanwhile) means starting again.
  const wrongCode = error?.code === 'invalid_grant' && error.message.startsWith('Wrong code')
  const expired = error?.code === 'invalid_grant' && !wrongCode
  return (
    <form className="space-y-4" onSubmit={onSubmit} method="post" aria-labelledby="second-step-heading">
      <FormError message={expired ? 'This sign-in has expired, or had too many wrong codes: start again with your password.' : wrongCode ? null : (error?.message ?? null)} />
      <CodeField name="otp" error={wrongCode ? error.message : undefined} autoFocus />
      <SubmitButton pending={pending}>{pending ? 'Checking…' : 'Sign in'}</SubmitButton>
    </form>
  )
}
