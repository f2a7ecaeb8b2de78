'use client'

import { type ReactNode, useSyncExternalStore } from 'react'

const subscribe = () => () => {}

/** False in the server's HTML and until React has hydrated; true once handlers are attached. */
function useHydrated(): boolean {
  return useSyncExternalStore(subscribe, () => true, () => false)
}

type ButtonProps = { pending: boolean; children: ReactNode; className: string } & (
  | { type: 'submit'; onClick?: never }
  | { type: 'button'; onClick: () => void }
)

// Disabled until hydrated, so a click that came before the page's script is never lost, and while
// a request is pending, so a form is not sent twice.
function Button({ pending, children, className, type, onClick }: ButtonProps) {
  const hydrated = useHydrated()
  return (
    <button type={type} onClick={onClick} disabled={!hydrated || pending} aria-busy={pending} className={className}>
      {children}
    </button>
  )
}

export function SubmitButton({ pending, children }: { pending: boolean; children: ReactNode }) {
  return (
    <Button
      type="submit"
      pending={pending}
      className="flex w-full justify-center rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 focus:ring-2 focus:ring-indigo-500 focus:ring-offset-2 focus:outline-none disabled:cursor-wait disabled:opacity-60"
    >
      {children}
    </Button>
  )
}

export function SecondaryButton({ pending, onClick, children }: { pending: boolean; onClick: () => void; children: ReactNode }) {
  return (
    <Button
      type="button"
      pending={pending}
      onClick={onClick}
      className="rounded-md border border-gray-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-gray-100 disabled:opacity-60"
    >
      {children}
    </Button>
  )
}
