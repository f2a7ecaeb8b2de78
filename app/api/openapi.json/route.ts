import { otherMethods, route } from '@/lib/request/http'
import { openApiJson } from '@/lib/openapi/document'

// The API described in OpenAPI 3.1, generated from the handlers' own zod schemas (lib/openapi.ts);
// /docs renders it.
export const GET = route(async () => new Response(openApiJson(), { headers: { 'content-type': 'application/json' } }))

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET')
