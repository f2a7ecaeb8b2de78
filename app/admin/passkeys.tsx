'use client'

import { useRouter } from 'next/navigation'
import { useState } from 'react'
import { callApi, failureMessage } from '@/app/api-client'
import { SecondaryButton } from '@/app/buttons'
import { LocalTime } from '@/app/local-time'
import { PasskeyNotice } from '@/app/passkey-notice'
import { type PasskeySite, usePasskeyPlace } from '@/app/passkeys'
import { Cell, Row, Table } from '@/app/responsive-table'
import { FormError, FormNotice } from '@/app/ui'
import type { Passkey } from '@/lib/accounts/passkeys'
import { AddPasskey } from './add-passkey'
import { ConfirmDialog } from './confirm-dialog'
import { RenamePasskey } from './rename-passkey'

/**
 * The user's passkeys: the list (from the server, refreshed after each change, which the activity
 * list records too), adding one with the browser's own dialog, renaming and removing. A passkey is
 * a whole sign-in, and also the second step after the password: the first one changes how the
 * password signs in, which the section says.
 */
export function Passkeys({ passkeys, site, totp }: { passkeys: Passkey[]; site: PasskeySite | null; totp: boolean }) {
  const router = useRouter()
  const [added, setAdded] = useState<{ name: string; first: boolean } | null>(null)
  const [renaming, setRenaming] = useState<Passkey | null>(null)
  const [asking, setAsking] = useState<Passkey | null>(null)
  const [removing, setRemoving] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function remove() {
    if (asking === null) return
    setRemoving(true)
    setError(null)
    setAdded(null)
    const response = await callApi(`/api/users/me/passkeys/${asking.id}`, { method: 'DELETE' }).catch(() => null)
    // A 404 is a passkey already removed (in another tab): gone either way.
    if (response?.ok || response?.status === 404) router.refresh()
    else setError(`Could not remove ${asking.name}: ${await failureMessage(response)}`)
    setRemoving(false)
    setAsking(null)
  }

  const last = passkeys.length === 1 && !totp
  return (
    <div className="space-y-4">
      <FormError message={error} />
      {added !== null ? (
        <FormNotice
          message={
            added.first && !totp
              ? `Passkey “${added.name}” added. Your password alone no longer signs you in: a passkey is asked for after it.`
              : `Passkey “${added.name}” added.`
          }
        />
      ) : null}
      {passkeys.length === 0 ? (
        <p className="text-sm text-gray-600">No passkeys yet.</p>
      ) : (
        <>
          <PasskeyTable passkeys={passkeys} onRename={setRenaming} onRemove={setAsking} />
          <p className="text-sm text-gray-700">
            Sign in with a passkey alone, or with your password and then a passkey{totp ? ' or a code' : ''}: the password alone no longer signs you in.
          </p>
          {last ? (
            <p data-testid="passkey-backup-advice" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
              This is your only second factor: if you lose the device or password manager that holds it, you cannot sign in. Add a second passkey on another
              device, or set up an authenticator app, which gives you recovery codes, as a backup.
            </p>
          ) : null}
        </>
      )}
      {site === null ? (
        <p className="text-sm text-gray-600">Passkeys are off on this server.</p>
      ) : (
        <AddHere
          site={site}
          onAdded={(name) => {
            setError(null)
            setAdded({ name, first: passkeys.length === 0 })
            // The list, the two-step status, the activity list and the directory's badge follow.
            router.refresh()
          }}
        />
      )}

      <RenamePasskey passkey={renaming} onDone={() => setRenaming(null)} />
      <ConfirmDialog
        ask={
          asking === null
            ? null
            : {
                question: `Remove the passkey “${asking.name}”?`,
                consequence: last
                  ? 'It no longer signs you in, and your password alone signs you in again. Delete it from the device or password manager that holds it too.'
                  : 'It no longer signs you in. Delete it from the device or password manager that holds it too.',
                confirm: 'Remove passkey',
                harmful: true,
              }
        }
        pending={removing}
        onConfirm={remove}
        onCancel={() => setAsking(null)}
      />
    </div>
  )
}

/** Adding is offered where the browser can make a passkey for this server. */
function AddHere({ site, onAdded }: { site: PasskeySite; onAdded: (name: string) => void }) {
  const place = usePasskeyPlace(site)
  if (place !== null && place !== 'here') return <PasskeyNotice site={site} place={place} />
  return <AddPasskey onAdded={onAdded} />
}

function PasskeyTable({ passkeys, onRename, onRemove }: { passkeys: Passkey[]; onRename: (passkey: Passkey) => void; onRemove: (passkey: Passkey) => void }) {
  return (
    <Table label="Your passkeys" columns={['Name', 'Created', 'Last used', 'Stored', '']}>
      {passkeys.map((passkey) => (
        <Row key={passkey.id} testId="passkey-row">
          <Cell label="Name">
            <span className="font-medium">{passkey.name}</span>
          </Cell>
          <Cell label="Created">
            <LocalTime iso={passkey.created_at} />
          </Cell>
          <Cell label="Last used">{passkey.last_used_at === null ? 'Never' : <LocalTime iso={passkey.last_used_at} style="relative" />}</Cell>
          <Cell label="Stored">
            <span title={passkey.synced ? 'Backed up, in a password manager or your devices’ keychain' : 'Bound to the one device that made it'}>
              {passkey.synced ? 'Synced' : 'This device only'}
            </span>
          </Cell>
          <Cell className="@2xl:text-right">
            <span className="inline-flex flex-wrap gap-2">
              <SecondaryButton pending={false} onClick={() => onRename(passkey)}>
                Rename<span className="sr-only"> the passkey {passkey.name}</span>
              </SecondaryButton>
              <SecondaryButton pending={false} onClick={() => onRemove(passkey)}>
                Remove<span className="sr-only"> the passkey {passkey.name}</span>
              </SecondaryButton>
            </span>
          </Cell>
        </Row>
      ))}
    </Table>
  )
}
