'use client'

import { useEffect, useId, useRef, useState } from 'react'
import { field, handleStepUp, sendJson, useApiForm } from '@/app/api-client'
import { SecondaryButton, SubmitButton } from '@/app/buttons'
import { CodeField } from '@/app/code-field'
import { Field, FormError } from '@/app/ui'
import { Modal } from './modal'

/**
 * The one place where the account page asks "is it still you?": a request that needs a recent
 * sign-in (app/api-client.ts, callApi) opens this dialog; the password, or with two-step sign-in a
 * code, goes to POST /api/users/me/reauth, and the request is sent again. Requests refused at the
 * same moment wait for the same answer.
 */
export function StepUpDialog({ totp }: { totp: boolean }) {
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
      <StepUpForm id={id} totp={totp} onConfirmed={() => finish(true)} onCancel={() => finish(false)} />
    </Modal>
  )
}

function StepUpForm({ id, totp, onConfirmed, onCancel }: { id: string; totp: boolean; onConfirmed: () => void; onCancel: () => void }) {
  const { pending, error, onSubmit } = useApiForm(
    (form) => sendJson('POST', '/api/users/me/reauth', totp ? { otp: field(form, 'reauth_otp') } : { password: field(form, 'reauth_password') }),
    onConfirmed,
  )
  // A wrong password or code (400) is told by its field, as is an empty one (422).
  const fieldError = error?.status === 400 ? error.message : error?.fields[totp ? 'otp' : 'password']
  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate>
      <h2 id={`${id}-heading`} className="text-lg font-semibold">
        Confirm it is you
      </h2>
      <p id={`${id}-why`} className="text-sm text-gray-700">
        {totp
          ? 'You signed in a while ago. Enter a code from your authenticator app to carry on with what you asked for.'
          : 'You signed in a while ago. Enter your password again to carry on with what you asked for.'}
      </p>
      <FormError message={error !== null && fieldError === undefined ? error.message : null} />
      {/* Names of their own: the page has a section whose id is "password". */}
      {totp ? (
        <CodeField name="reauth_otp" error={fieldError} autoFocus />
      ) : (
        <Field label="Password" name="reauth_password" type="password" autoComplete="current-password" required autoFocus error={fieldError} />
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
