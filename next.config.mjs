import os from 'node:os'
import { PHASE_DEVELOPMENT_SERVER } from 'next/constants.js'

/**
 * The hosts a page may be opened at under `next dev` besides localhost: without them Next refuses
 * its dev resources (hot reload, and so hydration) to a page opened at 127.0.0.1 or at the
 * "Network:" address it prints, and every button stays disabled. This machine's own addresses and
 * name only; IPv6 ones in brackets, as a browser's Origin header carries them.
 */
function devOrigins() {
  const addresses = Object.values(os.networkInterfaces())
    .flat()
    // A link-local IPv6 address needs its zone, which no browser takes in an address.
    .filter((entry) => entry !== undefined && !(entry.family === 'IPv6' && entry.scopeid !== 0))
    .map((entry) => (entry.family === 'IPv6' ? `[${entry.address}]` : entry.address))
  return [...new Set([os.hostname(), ...addresses])]
}

/** @type {(phase: string) => import('next').NextConfig} */
const nextConfig = (phase) => ({
  poweredByHeader: false,
  // `.next` unless NEXT_DIST_DIR names another folder: the test suite builds and runs `next dev`
  // in its own (tests/folders.mjs), so that it never touches those of a running `npm run dev`.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // Production ignores it; reading the addresses is for `next dev` alone.
  allowedDevOrigins: phase === PHASE_DEVELOPMENT_SERVER ? devOrigins() : undefined,
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
})

export default nextConfig
