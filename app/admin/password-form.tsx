'use client'

import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { field, sendJson, useApiForm } from '@/app/api-client'
import { SubmitButton } from '@/app/buttons'
import { Field, FormError, FormNotice } from '@/app/ui'

export function PasswordForm({ passwordHint }: { passwordHint: string }) {
  const router = useRouter()
  const [changed, setChanged] = useState(false)
  const { pending, error, onSubmit } = useApiForm(
    (form) => {
      setChanged(false)
      return sendJson('POST', '/api/users/me/password', { current_password: field(form, 'current_password'), new_password: field(form, 'new_password') })
    },
    (_response, element) => {
      element.reset()
      setChanged(true)
      router.refresh() // the sessions table loses every other device
    },
  )
  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate aria-label="Change password">
      <FormError message={error?.message ?? null} />
      {changed ? <FormNotice message="Password changed. Every other session was signed out." /> : null}
      <Field label="Current password" name="current_password" type="password" autoComplete="current-password" required error={error?.fields.current_password} />
      <Field
        label="New password"
        name="new_password"
        type="password"
        autoComplete="new-password"
        required
        error={error?.fields.new_password}
        hint={passwordHint}
      />
      <SubmitButton pending={pending}>{pending ? 'Changing…' : 'Change password'}</SubmitButton>
    </form>
  )
}
