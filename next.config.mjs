/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // PGlite ships ~14 MB of wasm; keep it out of the server bundle and load it from node_modules.
  serverExternalPackages: ['@electric-sql/pglite'],
  // FastAPI-tutorial clients call `/users/me/`: proxy.ts answers both forms instead of a 308
  // that clients which do not follow redirects on POST would trip over.
  skipTrailingSlashRedirect: true,
}

export default nextConfig
