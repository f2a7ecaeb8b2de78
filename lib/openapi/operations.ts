// For operators' tools: readiness and this document.
import { z } from 'zod'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import { json, operation } from './operation'

const HealthSchema = z
  .strictObject({
    status: z.enum(['ok', 'error']),
    database: z.enum(['ok', 'unavailable']),
    schema: z.enum(['current', 'behind']).optional(),
    detail: z.string().optional(),
  })
  .meta({ id: 'Health' })

export const operationPaths: ZodOpenApiPathsObject = {
  '/api/health': {
    get: operation({
      id: 'health',
      summary: 'Readiness',
      tags: ['operations'],
      access: 'anyone',
      method: 'get',
      responses: {
        '200': { description: 'The database answers and its schema is current.', ...json(HealthSchema) },
        '503': { description: 'The database is out of reach, or its migrations are behind.', ...json(HealthSchema) },
      },
    }),
  },
  '/api/openapi.json': {
    get: operation({
      id: 'openapi',
      summary: 'This document',
      tags: ['operations'],
      access: 'anyone',
      method: 'get',
      responses: { '200': { description: 'OpenAPI 3.1.', ...json(z.looseObject({ openapi: z.string() })) } },
    }),
  },
}
