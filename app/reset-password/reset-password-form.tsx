'use client'

import { useState } from 'react'
import { field, sendJson, useApiForm } from '@/app/api-client'
import { SubmitButton } from '@/app/buttons'
import { Field, FormError, FormNotice, TextLink } from '@/app/ui'
import { useTokenOutOfAddress } from '@/app/use-token-out-of-address'

// What the API answers for a spent, expired or forged token; a link without one gets it too.
const INVALID_LINK = 'Invalid or expired reset link'

export function ResetPasswordForm({ token, passwordHint }: { token: string | null; passwordHint: string }) {
  useTokenOutOfAddress()
  // From the first render on, the page's address no longer has the token: it lives here only.
  const [link] = useState(token)
  const [done, setDone] = useState(false)
  const { pending, error, onSubmit } = useApiForm(
    (form) => sendJson('POST', '/api/password-reset/confirm', { token: link, new_password: field(form, 'new_password') }),
    () => setDone(true),
  )

  if (done) {
    return (
      <div className="space-y-3 text-sm text-gray-700">
        <FormNotice message="Your password is set. Sign in with it." />
        <p>Every session of the account was signed out, and its personal access tokens no longer work.</p>
      </div>
    )
  }
  if (link === null || error?.status === 400) {
    return (
      <div className="space-y-3 text-sm text-gray-700">
        <FormError message={error?.message ?? INVALID_LINK} />
        <p>
          A reset link works once, for a limited time.{' '}
          <TextLink href="/forgot-password">
            Request a new link
          </TextLink>
        </p>
      </div>
    )
  }
  return (
    <form className="space-y-4" onSubmit={onSubmit} method="post" noValidate>
      <FormError message={error?.message ?? null} />
      <Field label="New password" name="new_password" type="password" autoComplete="new-password" required error={error?.fields.new_password} hint={passwordHint} />
      <SubmitButton pending={pending}>{pending ? 'Setting…' : 'Set password'}</SubmitButton>
    </form>
  )
}
