/** A user's state at a glance: active, or disabled and/or locked to new devices. */
export function StatusBadges({ disabled, locked }: { disabled: boolean; locked: boolean }) {
  if (!disabled && !locked) return <Badge className="bg-green-50 text-green-800">Active</Badge>
  return (
    <span className="inline-flex flex-wrap justify-end gap-1">
      {disabled ? <Badge className="bg-gray-200 text-gray-800">Disabled</Badge> : null}
      {locked ? <Badge className="bg-amber-50 text-amber-900">Locked</Badge> : null}
    </span>
  )
}

/** The account signs in with a second factor: an authenticator app's codes, passkeys, or both (the title says which). */
export function TwoStepBadge({ totp, passkeys }: { totp: boolean; passkeys: number }) {
  const keys = passkeys === 1 ? '1 passkey' : `${passkeys} passkeys`
  const title = totp && passkeys > 0 ? `Two-step sign-in: an authenticator app and ${keys}` : totp ? 'Two-step sign-in: an authenticator app' : `Two-step sign-in: ${keys}`
  return (
    <Badge className="bg-indigo-50 text-indigo-800" title={title}>
      {passkeys > 0 ? (totp ? '2FA · Passkey' : 'Passkey') : '2FA'}
    </Badge>
  )
}

/** Whether the owner of an email address has opened the link mailed to it. */
export function VerifiedBadge({ verified }: { verified: boolean }) {
  return verified ? <Badge className="bg-green-50 text-green-800">Verified</Badge> : <Badge className="bg-amber-50 text-amber-900">Not verified</Badge>
}

function Badge({ className, title, children }: { className: string; title?: string; children: string }) {
  return (
    <span title={title} className={`rounded-full px-2 py-0.5 text-xs font-medium ${className}`}>
      {children}
    </span>
  )
}
