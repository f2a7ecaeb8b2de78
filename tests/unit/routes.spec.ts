import fs from 'node:fs'
import { register } from 'node:module'
import path from 'node:path'
import { expect, test } from '@playwright/test'
import { isRouted } from '../../lib/request/http'

// API routes do not pass through proxy.ts: CSRF, CORS, no-store, HSTS and the error handling live
// in route() (lib/request/http.ts). A method exported without it would skip all of them, and a method not
// exported at all would be answered by Next itself (an empty 405, a preflight without CORS).

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

// Next's bundler resolves `next/headers`; plain Node's ESM loader wants the file name.
const resolveNext = `export function resolve(specifier, context, next) {
  return next(/^next\\/(headers|server)$/.test(specifier) ? specifier + '.js' : specifier, context)
}`
register(`data:text/javascript,${encodeURIComponent(resolveNext)}`)

test('every method of every API route goes through route()', async () => {
  const files = fs.readdirSync('app/api', { recursive: true, encoding: 'utf8' }).filter((file) => path.basename(file) === 'route.ts')
  expect(files.length).toBeGreaterThan(5)
  for (const file of files) {
    const module = (await import(path.resolve('app/api', file))) as Record<string, unknown>
    const handlers = Object.keys(module).filter((name) => /^[A-Z]+$/.test(name))
    expect(handlers.sort(), file).toEqual([...METHODS].sort())
    for (const method of handlers) expect(isRouted(module[method]), `${method} in app/api/${file}`).toBe(true)
  }
})
