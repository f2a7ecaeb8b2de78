'use client'

import { useState } from 'react'
import { callApi, failureMessage, field, sendJson, useApiForm } from '@/app/api-client'
import { SecondaryButton, SubmitButton } from '@/app/buttons'
import { Field, FormError } from '@/app/ui'
import { useHydrated } from '@/app/use-hydrated'
import type { Note } from '@/lib/accounts/notes'

/**
 * The user's notes, oldest first. The server renders the list; adding, ticking and deleting update
 * it from the API's answers, since nothing else on the page shows notes.
 */
export function NotesPanel({ first }: { first: Note[] }) {
  const hydrated = useHydrated()
  const [notes, setNotes] = useState(first)
  const [busy, setBusy] = useState<number | null>(null)
  const [error, setError] = useState<string | null>(null)
  const add = useApiForm(
    (form) => sendJson('POST', '/api/notes', { text: field(form, 'text').trim() }),
    async (response, element) => {
      const note = (await response.json()) as Note
      setNotes((current) => [...current, note])
      element.reset()
    },
  )

  function put(note: Note) {
    setNotes((current) => current.map((row) => (row.id === note.id ? note : row)))
  }

  async function tick(note: Note, completed: boolean) {
    setBusy(note.id)
    setError(null)
    // Ticked at once, as a checkbox is expected to be; put back if the server refuses.
    put({ ...note, completed })
    const response = await sendJson('PATCH', `/api/notes/${note.id}`, { completed }).catch(() => null)
    if (response?.ok) {
      put((await response.json()) as Note)
    } else {
      put(note)
      setError(await failureMessage(response))
    }
    setBusy(null)
  }

  async function remove(note: Note) {
    setBusy(note.id)
    setError(null)
    const response = await callApi(`/api/notes/${note.id}`, { method: 'DELETE' }).catch(() => null)
    // A 404 is a note already deleted (in another tab): gone either way.
    if (response?.ok || response?.status === 404) setNotes((current) => current.filter((row) => row.id !== note.id))
    else setError(await failureMessage(response))
    setBusy(null)
  }

  return (
    <div className="space-y-4">
      <FormError message={error} />
      {notes.length === 0 ? (
        <p className="text-sm text-gray-600">No notes yet.</p>
      ) : (
        <ul className="divide-y divide-gray-100 text-sm" aria-label="Notes">
          {notes.map((note) => (
            <li key={note.id} data-testid="note" className="flex items-center justify-between gap-3 py-2">
              <label className="flex min-w-0 items-start gap-2">
                <input
                  type="checkbox"
                  checked={note.completed}
                  // Like the buttons: no tick is lost before hydration, none sent twice.
                  disabled={!hydrated || busy === note.id}
                  onChange={(event) => tick(note, event.target.checked)}
                  className="mt-0.5 size-4 shrink-0 accent-indigo-600"
                />
                <span className={`wrap-anywhere ${note.completed ? 'text-gray-600 line-through' : ''}`}>{note.text}</span>
              </label>
              <SecondaryButton pending={busy === note.id} onClick={() => remove(note)}>
                Delete<span className="sr-only"> {note.text}</span>
              </SecondaryButton>
            </li>
          ))}
        </ul>
      )}
      <form className="space-y-3" onSubmit={add.onSubmit} noValidate aria-label="Add a note">
        <FormError message={add.error?.message ?? null} />
        <div className="flex flex-wrap items-start gap-3">
          <div className="min-w-0 flex-1 basis-56">
            <Field label="New note" name="text" autoComplete="off" error={add.error?.fields.text} />
          </div>
          {/* Level with the input, below the field's label. */}
          <div className="pt-6">
            <SubmitButton pending={add.pending} inline>
              {add.pending ? 'Adding…' : 'Add'}
            </SubmitButton>
          </div>
        </div>
      </form>
    </div>
  )
}
