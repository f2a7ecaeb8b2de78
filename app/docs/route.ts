// Interactive API docs, as FastAPI's /docs: Swagger UI (served by ./[file]/route.ts) on the app's
// own OpenAPI document. Authorize runs the OAuth2 password flow against /api/token. A whole HTML
// page rather than a React page: the third-party UI owns the document, and the app's layout and
// Tailwind styles would only fight with it. proxy.ts gives this path its Content-Security-Policy.

// Fixed settings, no value from the request: validatorUrl null so that no spec is sent to
// validator.swagger.io; queryConfigEnabled stays off (its default) so that `?url=` cannot point the
// page at another document; tokens live in memory only (persistAuthorization off).
const INIT = `SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  layout: 'BaseLayout',
  presets: [SwaggerUIBundle.presets.apis],
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,
  queryConfigEnabled: false,
  persistAuthorization: false,
})
// Swagger UI focuses each scheme's first field as Authorize opens, so the last one (the access
// token's, at the bottom) wins and the dialog opens scrolled past the username and password:
// open it at its top, on the username.
new MutationObserver(() => {
  const username = document.querySelector('.modal-ux #oauth_username')
  if (username === null || username.dataset.opened) return
  username.dataset.opened = 'yes'
  username.closest('.modal-ux-content').scrollTop = 0
  username.focus()
}).observe(document.getElementById('swagger-ui'), { childList: true, subtree: true })`

// The app's document has no response links (OpenAPI `links`), so Swagger UI's Links column only
// ever says "No links", and on a phone it pushes each responses table past the window's edge.
const STYLE = '.swagger-ui .response-col_links { display: none; }'

function page(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>passgate API docs</title>
<link rel="icon" href="/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/docs/swagger-ui.css">
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<div id="swagger-ui"></div>
<script nonce="${nonce}" src="/docs/swagger-ui-bundle.js"></script>
<script nonce="${nonce}">${INIT}</script>
</body>
</html>
`
}

export async function GET(request: Request): Promise<Response> {
  // The nonce proxy.ts put in this request's policy (as Next reads it for its own pages). Checked
  // to be base64 before it goes into the markup.
  const nonce = /'nonce-([A-Za-z0-9+/]+={0,2})'/.exec(request.headers.get('content-security-policy') ?? '')?.[1]
  if (nonce === undefined) return new Response('Internal Server Error', { status: 500 })
  return new Response(page(nonce), {
    // Never cached: the nonce must be new on every response.
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' },
  })
}
