'use client'

import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { field, sendJson, useApiForm } from '@/app/api-client'
import { SubmitButton } from '@/app/buttons'
import { Field, FormError, FormNotice } from '@/app/ui'

export function ProfileForm({ email, fullName }: { email: string | null; fullName: string | null }) {
  const router = useRouter()
  const [saved, setSaved] = useState(false)
  const { pending, error, onSubmit } = useApiForm(
    (form) => {
      setSaved(false)
      // An emptied field clears the value.
      return sendJson('PATCH', '/api/users/me', { email: field(form, 'email').trim() || null, full_name: field(form, 'full_name').trim() || null })
    },
    () => {
      setSaved(true)
      router.refresh()
    },
  )
  return (
    <form className="space-y-4" onSubmit={onSubmit} noValidate aria-label="Profile">
      <FormError message={error?.message ?? null} />
      {saved ? <FormNotice message="Profile saved." /> : null}
      <Field label="Email" name="email" type="email" autoComplete="email" defaultValue={email ?? ''} error={error?.fields.email} />
      <Field label="Full name" name="full_name" autoComplete="name" defaultValue={fullName ?? ''} error={error?.fields.full_name} />
      <SubmitButton pending={pending}>{pending ? 'Saving…' : 'Save profile'}</SubmitButton>
    </form>
  )
}
