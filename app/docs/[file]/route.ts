import { createHash } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'

// Swagger UI's script and stylesheet for /docs, read from the installed swagger-ui-dist: no CDN and
// no copy in the repository. Only these two names are served (nothing else from the folder, and no
// path from the URL ever reaches the file system). next.config.mjs traces the two files.
const FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
}

const folder = path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'node_modules/swagger-ui-dist')

// Read once per process; the ETag lets a browser keep its copy until swagger-ui-dist changes.
const loaded = new Map<string, Promise<{ body: Buffer; etag: string }>>()

function load(file: string): Promise<{ body: Buffer; etag: string }> {
  let entry = loaded.get(file)
  if (entry === undefined) {
    entry = fs.readFile(path.join(folder, file)).then((body) => ({
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    }))
    entry.catch(() => loaded.delete(file))
    loaded.set(file, entry)
  }
  return entry
}

export async function GET(request: Request, { params }: { params: Promise<{ file: string }> }): Promise<Response> {
  const { file } = await params
  const type = Object.hasOwn(FILES, file) ? FILES[file] : undefined
  if (type === undefined) return new Response('Not Found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
  const { body, etag } = await load(file)
  const headers = { 'Content-Type': type, 'Cache-Control': 'no-cache', ETag: etag }
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers })
  return new Response(new Uint8Array(body), { headers })
}
