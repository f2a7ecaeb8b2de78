'use client'

import { useState } from 'react'

export function SignOutButton() {
  const [pending, setPending] = useState(false)

  async function signOut() {
    setPending(true)
    // Whatever the answer (even 401 for an already-ended session), the cookie is cleared.
    await fetch('/api/logout', { method: 'POST' }).catch(() => null)
    window.location.assign('/login')
  }

  return (
    <button
      type="button"
      onClick={signOut}
      disabled={pending}
      className="rounded-md border border-gray-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-gray-100 disabled:opacity-60"
    >
      {pending ? 'Signing out…' : 'Sign out'}
    </button>
  )
}
