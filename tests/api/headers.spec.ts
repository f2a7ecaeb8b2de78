import { expect, test } from '../fixtures'
import { api, logOut, me } from '../helpers'

test('API responses: nosniff, no referrer, no framing, nothing loadable, never cached', async ({ session: { token } }) => {
  for (const response of [
    await api('/api/health'),
    await me(token),
    await api('/api/users/me'),
    await api('/api/no-such-thing'),
    await api('/api/token'),
    await logOut(token),
  ]) {
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'")
    expect(response.headers.get('cache-control')).toBe('no-store')
    // Plain http: no HSTS. tests/api/abuse.spec.ts checks https behind a proxy.
    expect(response.headers.get('strict-transport-security')).toBeNull()
  }
})

test('pages: a fresh CSP nonce per response, frame-ancestors none', async () => {
  const first = (await api('/login')).headers.get('content-security-policy')!
  const second = (await api('/login')).headers.get('content-security-policy')!
  expect(first).toContain("frame-ancestors 'none'")
  expect(first).toContain("object-src 'none'")
  expect(first).not.toContain('unsafe-inline')
  expect(first.match(/'nonce-([^']+)'/)![1]).not.toBe(second.match(/'nonce-([^']+)'/)![1])
})
