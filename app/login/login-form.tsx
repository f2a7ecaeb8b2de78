'use client'

import { type FormEvent, useState } from 'react'
import { NETWORK_ERROR, readApiError, requestToken } from '@/app/api-client'
import { SubmitButton } from '@/app/buttons'
import { Field, FormError } from '@/app/ui'

export function LoginForm({ next }: { next: string }) {
  const [error, setError] = useState<string | null>(null)
  const [pending, setPending] = useState(false)

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setPending(true)
    setError(null)
    try {
      const response = await requestToken(String(form.get('username')), String(form.get('password')))
      if (response.ok) {
        // A full navigation, so the server renders `next` with the new cookie.
        window.location.assign(next)
        return
      }
      setError((await readApiError(response)).message)
    } catch {
      setError(NETWORK_ERROR.message)
    }
    setPending(false)
  }

  return (
    <form className="space-y-4" onSubmit={onSubmit} method="post">
      <FormError message={error} />
      <Field label="Username" name="username" autoComplete="username" required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      <SubmitButton pending={pending}>{pending ? 'Signing in…' : 'Sign in'}</SubmitButton>
    </form>
  )
}
