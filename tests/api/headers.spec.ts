import { expect, test } from '../fixtures'
import { api, logOut, me } from '../helpers'

test('API responses: nosniff, no referrer, no framing, nothing loadable, never cached', async ({ session: { token } }) => {
  for (const response of [
    await api('/api/health'),
    await api('/api/openapi.json'),
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

test('/docs: the pages\' policy, nothing relaxed, its nonce on Swagger UI\'s scripts; the bundle from the app', async () => {
  const response = await api('/docs')
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
  expect(response.headers.get('cache-control')).toBe('no-store')
  const policy = response.headers.get('content-security-policy')!
  for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "connect-src 'self'"]) {
    expect(policy).toContain(directive)
  }
  expect(policy).not.toContain('unsafe-')
  // The same directives as any other page, but for the nonce.
  const login = (await api('/login')).headers.get('content-security-policy')!
  const nonceless = (header: string) => header.replace(/'nonce-[^']+'/g, "'nonce'")
  expect(nonceless(policy)).toBe(nonceless(login))
  const nonce = policy.match(/'nonce-([^']+)'/)![1]
  const html = await response.text()
  expect(html).toContain(`<script nonce="${nonce}" src="/docs/swagger-ui-bundle.js"></script>`)
  expect(html.match(/<script\b[^>]*>/g)).toEqual([`<script nonce="${nonce}" src="/docs/swagger-ui-bundle.js">`, `<script nonce="${nonce}">`])
  expect(response.headers.get('strict-transport-security')).toBeNull()
  // Over https, HSTS as on every page.
  const https = await api('/docs', { headers: { 'x-forwarded-proto': 'https' } })
  expect(https.headers.get('strict-transport-security')).toBe('max-age=63072000')
  expect(https.headers.get('content-security-policy')).toContain('upgrade-insecure-requests')

  const bundle = await api('/docs/swagger-ui-bundle.js')
  expect(bundle.status).toBe(200)
  expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
  expect(await bundle.text()).toContain('SwaggerUIBundle')
  const etag = bundle.headers.get('etag')!
  expect((await api('/docs/swagger-ui-bundle.js', { headers: { 'if-none-match': etag } })).status).toBe(304)
  expect((await api('/docs/swagger-ui.css')).headers.get('content-type')).toBe('text/css; charset=utf-8')
  // Nothing else from the package folder, or beyond it.
  for (const path of ['/docs/package.json', '/docs/swagger-ui.js', '/docs/..%2Fpackage.json', '/docs/%2E%2E%2F%2E%2E%2Fpackage.json']) {
    expect((await api(path)).status, path).toBe(404)
  }
})
