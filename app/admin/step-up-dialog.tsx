'use client'

import { useEffect, useId, useRef, useState } from 'react'
import { field, handleStepUp, sendJson, useApiForm } from '@/app/api-client'
import { SecondaryButton, SubmitButton } from '@/app/buttons'
import { CodeField } from '@/app/code-field'
import type { PasskeySite } from '@/app/passkeys'
import { Field, FormError } from '@/app/ui'
import { Modal } from './modal'
import { StepUpPasskey } from './step-up-passkey'

/**
 * The one place where the account page asks "is it still you?": a request that needs a recent
 * sign-in (app/api-client.ts, callApi) opens this dialog; a passkey (`passkeys`: the user has
 * some), a code (`totp`), or for a user with neither the password, goes to POST
 * /api/users/me/reauth, and the request is sent again. Requests refused at the same moment wait
 * for the same answer.
 */
const HOW = {
  password: 'Enter your password again',
  otp: 'Enter a code from your authenticator app',
  passkey: 'Use your passkey',
  either: 'Use your passkey, or enter a code from your authenticator app,',
}

export function StepUpDialog({ totp, passkeys }: { totp: boolean; passkeys: PasskeySite | null }) {
  const id = useId()
  const [open, setOpen] = useState(false)
  const waiting = useRef<((confirmed: boolean) => void)[]>([])

  useEffect(() => {
    handleStepUp(
      () =>
        new Promise<boolean>((resolve) => {
          waiting.current.push(resolve)
          setOpen(true)
        }),
    )
    return () => {
      handleStepUp(null)
      finish(false)
    }
  }, [])

  function finish(confirmed: boolean) {
    setOpen(false)
    for (const resolve of waiting.current.splice(0)) resolve(confirmed)
  }

  return (
    <Modal open={open} labelledBy={`${id}-heading`} describedBy={`${id}-why`} pending={false} onCancel={() => finish(false)}>
      <div className="space-y-4">
        <h2 id={`${id}-heading`} className="text-lg font-semibold">
          Confirm it is you
        </h2>
        <p id={`${id}-why`} className="text-sm text-gray-700">
          You signed in a while ago. {HOW[passkeys === null ? (totp ? 'otp' : 'password') : totp ? 'either' : 'passkey']} to carry on with what you asked for.
        </p>
        {passkeys !== null ? <StepUpPasskey site={passkeys} onConfirmed={() => finish(true)} /> : null}
        {/* The API takes no password from a user with a second factor: a passkey user without an app has the passkey only. */}
        {passkeys === null || totp ? (
          <StepUpForm totp={totp} autoFocus={passkeys === null} onConfirmed={() => finish(true)} onCancel={() => finish(false)} />
        ) : (
          <div className="flex justify-end">
            <SecondaryButton pending={false} onClick={() => finish(false)}>
              Cancel
            </SecondaryButton>
          </div>
        )}
      </div>
    </Modal>
  )
}

function StepUpForm({ totp, autoFocus, onConfirmed, onCancel }: { totp: boolean; autoFocus: boolean; onConfirmed: () => void; onCancel: () => void }) {
  const { pending, error, onSubmit } = useApiForm(
    (form) => sendJson('POST', '/api/users/me/reauth', totp ? { otp: field(form, 'reauth_otp') } : { password: field(form, 'reauth_password') }),
    onConfirmed,
  )
  // A wrong password or code (400) is told by its field, as is an empty one (422).
  const fieldError = error?.status === 400 ? error.message : error?.fields[totp ? 'otp' : 'password']
  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate>
      <FormError message={error !== null && fieldError === undefined ? error.message : null} />
      {/* Names of their own: the page has a section whose id is "password". */}
      {totp ? (
        <CodeField name="reauth_otp" error={fieldError} autoFocus={autoFocus} />
      ) : (
        <Field label="Password" name="reauth_password" type="password" autoComplete="current-password" required autoFocus={autoFocus} error={fieldError} />
      )}
      <div className="flex flex-wrap items-center justify-end gap-3">
        <SecondaryButton pending={pending} onClick={onCancel}>
          Cancel
        </SecondaryButton>
        <SubmitButton pending={pending} inline>
          {pending ? 'Checking…' : 'Confirm'}
        </SubmitButton>
      </div>
    </form>
  )
}
