/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // PGlite ships ~14 MB of wasm; keep it out of the server bundle and load it from node_modules.
  // piscina starts its workers from its own files, so it is loaded from node_modules too.
  serverExternalPackages: ['@electric-sql/pglite', 'piscina'],
  // The hash workers load this file (and bcryptjs) at run time, outside the bundle.
  // drizzle/ is read at run time too: health compares it with the database's migrations.
  // /docs serves Swagger UI's two files from node_modules/swagger-ui-dist (app/docs/[file]/route.ts).
  outputFileTracingIncludes: {
    '/api/**/*': ['./lib/credentials/hash-worker.mjs', './node_modules/bcryptjs/**', './drizzle/**'],
    '/docs/*': ['./node_modules/swagger-ui-dist/swagger-ui-bundle.js', './node_modules/swagger-ui-dist/swagger-ui.css'],
  },
  // FastAPI-tutorial clients call `/users/me/`: Next then serves both forms, instead of a 308
  // that clients which do not follow redirects on POST would trip over.
  skipTrailingSlashRedirect: true,
  // Headers for every response (OWASP ASVS 5.0 V3.4.4 nosniff, V3.4.5 Referrer-Policy, V3.4.6
  // frame-ancestors); pages get their nonce-based CSP and HSTS from proxy.ts, API responses
  // their HSTS from route() in lib/request/http.ts.
  async headers() {
    const common = [
      { key: 'X-Content-Type-Options', value: 'nosniff' },
      { key: 'Referrer-Policy', value: 'no-referrer' },
      { key: 'X-Frame-Options', value: 'DENY' },
      { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
      { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
    ]
    return [
      { source: '/:path*', headers: common },
      // JSON never needs to load anything.
      { source: '/api/:path*', headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" }] },
    ]
  },
}

export default nextConfig
