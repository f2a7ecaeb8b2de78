import { useSyncExternalStore } from 'react'

const subscribe = () => () => {}

/**
 * False in the server's HTML and while React hydrates it; true once the page runs in the browser.
 * Lets a component render what only the browser knows (its time zone) without a hydration
 * mismatch, and keeps buttons disabled until their handlers are attached.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(subscribe, () => true, () => false)
}
