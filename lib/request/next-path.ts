// Where a visitor goes after signing in: `?next=` checked so that it can only be a path on this
// site. Shared by proxy.ts, the login page and /api/token/renew (so: nothing heavy imported here).

/** `next` after login: only a path on this site ("/admin"), never "//evil.example" or a URL. */
export function safeNextPath(value: string | null | undefined, fallback = '/admin'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return fallback
  // Control characters could smuggle a second line or a scheme past the checks above.
  if (/\p{Cc}/u.test(value)) return fallback
  // Percent-encoded, as a Location header needs it (a raw "/日本" is not a valid header value).
  // Checked again once normalized: "/.//evil.example" and "/%2e%2e//evil.example" become "//...".
  const url = new URL(value, 'http://passgate.invalid')
  if (url.origin !== 'http://passgate.invalid' || url.pathname.startsWith('//') || url.pathname.includes('\\')) return fallback
  return url.pathname + url.search + url.hash
}

/** The login page, coming back to `next` afterwards (`next=/admin`, readable, rather than %2F). */
export function loginPath(next: string): string {
  return `/login?next=${encodeURIComponent(next).replace(/%2F/g, '/')}`
}
