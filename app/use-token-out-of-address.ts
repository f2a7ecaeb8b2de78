import { useEffect } from 'react'

/**
 * Takes a mailed link's secret (`?token=`) out of the address bar once the page holds it, so that
 * it is not left in the browser's history, a screenshot or a shared screen. The page stays where
 * it is: only the query goes.
 */
export function useTokenOutOfAddress(): void {
  useEffect(() => {
    if (window.location.search !== '') window.history.replaceState(null, '', window.location.pathname)
  }, [])
}
