'use client'

import { useState } from 'react'
import { SecondaryButton } from '@/app/buttons'

export function SignOutButton() {
  const [pending, setPending] = useState(false)

  async function signOut() {
    setPending(true)
    // Whatever the answer (even 401 for an already-ended session), the cookie is cleared.
    await fetch('/api/logout', { method: 'POST' }).catch(() => null)
    window.location.assign('/login')
  }

  return (
    <SecondaryButton pending={pending} onClick={signOut}>
      {pending ? 'Signing out…' : 'Sign out'}
    </SecondaryButton>
  )
}
