import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { expect } from '@playwright/test'

// The contract test: every response the API tests receive through tests/helpers.ts api() must be
// what GET /api/openapi.json documents for its path, method and status (the body against the
// documented schema; no body where none is documented). A status the document does not list for
// the operation fails the test that received it.

type Operation = { responses: Record<string, { content?: Record<string, unknown> }> }
type Document = { paths: Record<string, Record<string, Operation>> }

let loaded: Promise<{ document: Document; ajv: InstanceType<typeof Ajv2020> }> | undefined

function load(base: string) {
  loaded ??= (async () => {
    const document = (await (await fetch(`${base}/api/openapi.json`)).json()) as Document
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats(ajv)
    ajv.addSchema(document, 'openapi')
    return { document, ajv }
  })()
  return loaded
}

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')

/** The documented path for a request path: a literal match first, else a template's. */
function findPath(document: Document, path: string): string | undefined {
  if (document.paths[path] !== undefined) return path
  return Object.keys(document.paths).find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path))
}

/**
 * Checks one response against the document. Paths it does not describe (the catch-all's 404 for
 * unknown paths) and methods a route does not serve (405, and CORS preflights) are outside it.
 */
export async function expectDocumented(base: string, method: string, url: string, response: Response): Promise<void> {
  const { document, ajv } = await load(base)
  const path = new URL(url).pathname.replace(/(.)\/$/, '$1')
  const template = findPath(document, path)
  const verb = method.toLowerCase()
  const operation = template === undefined ? undefined : document.paths[template]![verb]
  if (operation === undefined) return
  const where = `${method} ${path} answered ${response.status}`
  const documented = operation.responses[String(response.status)]
  expect(documented, `${where}, a status /api/openapi.json does not list for ${method} ${template}`).toBeDefined()
  const body = await response.clone().text()
  if (documented!.content === undefined) {
    expect(body, `${where} with a body, where the document says none`).toBe('')
    return
  }
  expect(response.headers.get('content-type'), where).toContain('application/json')
  const validate = ajv.getSchema(`openapi#/${pointer('paths', template!, verb, 'responses', String(response.status), 'content', 'application/json', 'schema')}`)!
  const valid = validate(JSON.parse(body))
  expect(valid ? [] : validate.errors, `${where} with a body that does not match the document: ${body.slice(0, 300)}`).toEqual([])
}
