import { json, otherMethods, route } from '@/lib/http'
import { openApiDocument } from '@/lib/openapi'

// The API described in OpenAPI 3.1, generated from the handlers' own zod schemas (lib/openapi.ts);
// /docs renders it.
export const GET = route(async () => json(openApiDocument()))

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET')
