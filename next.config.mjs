/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // PGlite ships ~14 MB of wasm; keep it out of the server bundle and load it from node_modules.
  serverExternalPackages: ['@electric-sql/pglite'],
  // FastAPI-tutorial clients call `/users/me/`: proxy.ts answers both forms instead of a 308
  // that clients which do not follow redirects on POST would trip over.
  skipTrailingSlashRedirect: true,
  // Headers for every response; pages get their nonce-based Content-Security-Policy and https
  // responses their HSTS header from proxy.ts.
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
