import type { PasskeyPlace, PasskeySite } from './passkeys'

/**
 * Said in place of a passkey button where the browser would refuse it: a page opened at another
 * host than the one passkeys belong to (http://127.0.0.1:3000 for a server whose address is
 * http://localhost:3000), a server whose own address is an IP address (WebAuthn refuses those), or
 * a browser without WebAuthn. Rendered in the browser only (usePasskeyPlace), which knows the
 * page's address.
 */
export function PasskeyNotice({ site, place }: { site: PasskeySite; place: Exclude<PasskeyPlace, 'here'> }) {
  if (place === 'unsupported') return <p className="text-sm text-gray-700">This browser cannot use passkeys.</p>
  if (place === 'ip') {
    return <p className="text-sm text-gray-700">Passkeys cannot work on this server: its address is an IP address ({site.id}), which browsers refuse for passkeys.</p>
  }
  const there = new URL(window.location.pathname + window.location.search, site.origin).href
  return (
    <p className="text-sm text-gray-700">
      Passkeys work only at this server’s own address:{' '}
      <a href={there} className="font-medium wrap-anywhere text-indigo-700 underline hover:text-indigo-900">
        {site.origin}
      </a>
      . Open this page there to use one.
    </p>
  )
}
