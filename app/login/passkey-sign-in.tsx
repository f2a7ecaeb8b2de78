'use client'

import { WebAuthnAbortService, browserSupportsWebAuthnAutofill } from '@simplewebauthn/browser'
import { useEffect, useEffectEvent, useState } from 'react'
import { readApiError } from '@/app/api-client'
import { SecondaryButton } from '@/app/buttons'
import { PasskeyNotice } from '@/app/passkey-notice'
import { type PasskeySite, failureText, requestTokenWithPasskey, signInOptions, signWithPasskey, usePasskeyAction, usePasskeyPlace } from '@/app/passkeys'
import { FormError, OrDivider } from '@/app/ui'

/** The server forgets a ceremony's challenge after 5 minutes: the username field's request is renewed before. */
const AUTOFILL_RENEW_MS = 4 * 60_000

async function passkeySignIn(autofill: boolean): Promise<Response> {
  return requestTokenWithPasskey(await signWithPasskey(signInOptions(), autofill))
}

/**
 * A sign-in with a passkey alone: by the button, which opens the browser's dialog, or by picking
 * a passkey among the username field's suggestions where the browser offers them (a conditional
 * request, waiting from the moment the page is ready). The button's ceremony replaces the waiting
 * request, which waits again once the button's is over; it is renewed before the server forgets
 * its challenge, but not after a refusal, which would otherwise repeat for a browser that picks
 * the one passkey it holds by itself (Chromium's virtual authenticator in the tests does).
 */
export function PasskeySignIn({ site, onSignedIn }: { site: PasskeySite; onSignedIn: () => void }) {
  const place = usePasskeyPlace(site)
  const { pending, error, setError, run } = usePasskeyAction(() => passkeySignIn(false), onSignedIn)
  const [round, setRound] = useState(0)
  const signedIn = useEffectEvent(onSignedIn)

  useEffect(() => {
    if (place !== 'here' || pending) return
    let live = true
    const renew = setTimeout(() => setRound((count) => count + 1), AUTOFILL_RENEW_MS)
    void (async () => {
      if (!(await browserSupportsWebAuthnAutofill())) return
      try {
        const response = await passkeySignIn(true)
        if (response.ok) signedIn()
        // A refusal (a removed passkey picked, say) is told; the button, or a reload, tries again.
        else if (live) setError((await readApiError(response)).message)
      } catch (error) {
        const message = failureText(error, false)
        if (live && message !== null) setError(message)
      }
    })()
    return () => {
      live = false
      clearTimeout(renew)
      WebAuthnAbortService.cancelCeremony()
    }
  }, [place, pending, round, setError])

  // Where passkeys cannot work, the sign-in page says so only when the user can do something about it: open the right address.
  if (place === 'elsewhere') return <PasskeyNotice site={site} place={place} />
  if (place !== 'here') return null
  return (
    <div className="space-y-3">
      <OrDivider />
      <FormError message={error} />
      <div className="flex justify-center">
        <SecondaryButton pending={pending} onClick={run}>
          {pending ? 'Waiting for your passkey…' : 'Sign in with a passkey'}
        </SecondaryButton>
      </div>
    </div>
  )
}
