'use client'

import { useEffect, useRef, useState } from 'react'
import { failureMessage, sendJson } from '@/app/api-client'
import { FormError, FormNotice } from '@/app/ui'
import { useTokenOutOfAddress } from '@/app/use-token-out-of-address'

// What the API answers for a spent, expired or forged token; a link without one gets it too.
const INVALID_LINK = 'Invalid or expired verification link'

/** Confirms the mailed link as soon as the page runs: opening the link is the whole of it. */
export function VerifyEmail({ token }: { token: string | null }) {
  useTokenOutOfAddress()
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(token === null ? { ok: false, message: INVALID_LINK } : null)
  // Sent once: React runs a new effect twice in development, and the token is spent by its first use.
  const sent = useRef(false)
  useEffect(() => {
    if (token === null || sent.current) return
    sent.current = true
    void (async () => {
      const response = await sendJson('POST', '/api/email-verification/confirm', { token }).catch(() => null)
      setOutcome(response?.ok ? { ok: true, message: 'Your email address is verified.' } : { ok: false, message: await failureMessage(response) })
    })()
  }, [token])

  if (outcome === null) return <p role="status" className="text-center text-sm text-gray-700">Checking your link…</p>
  return outcome.ok ? <FormNotice message={outcome.message} /> : <FormError message={outcome.message} />
}
