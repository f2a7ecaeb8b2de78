'use client'

import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { field, sendJson, useApiForm } from '@/app/api-client'
import { SubmitButton } from '@/app/buttons'
import { Field, FormError, FormNotice } from '@/app/ui'

export function ProfileForm({ email, fullName }: { email: string | null; fullName: string | null }) {
  const router = useRouter()
  const [saved, setSaved] = useState(false)
  // A new email address, or none, needs the current password: it is where reset links go. The
  // field is there only while the address differs from the saved one.
  const [emailChanging, setEmailChanging] = useState(false)
  const { pending, error, onSubmit } = useApiForm(
    (form) => {
      setSaved(false)
      // An emptied field clears the value.
      const newEmail = field(form, 'email').trim() || null
      return sendJson('PATCH', '/api/users/me', {
        email: newEmail,
        full_name: field(form, 'full_name').trim() || null,
        ...(newEmail !== email ? { current_password: field(form, 'profile_password') } : {}),
      })
    },
    () => {
      setSaved(true)
      setEmailChanging(false)
      router.refresh()
    },
  )
  const fields: Record<string, string | undefined> = { ...error?.fields, ...(error?.status === 400 ? { current_password: error.message } : {}) }
  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate aria-label="Profile">
      {/* A wrong password is said by its field alone. */}
      <FormError message={error?.status === 400 ? null : (error?.message ?? null)} />
      {saved ? <FormNotice message="Profile saved." /> : null}
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        defaultValue={email ?? ''}
        onChange={(event) => setEmailChanging((event.target.value.trim() || null) !== email)}
        error={fields.email}
      />
      {emailChanging ? (
        <Field
          label="Current password"
          // Not `current_password`: the password form on the same page has a field of that id.
          name="profile_password"
          type="password"
          autoComplete="current-password"
          required
          error={fields.current_password}
          hint="Needed to change your email address: password reset links go there."
        />
      ) : null}
      <Field label="Full name" name="full_name" autoComplete="name" defaultValue={fullName ?? ''} error={fields.full_name} />
      <SubmitButton pending={pending}>{pending ? 'Saving…' : 'Save profile'}</SubmitButton>
    </form>
  )
}
