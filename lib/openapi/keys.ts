// Personal access tokens.
import { z } from 'zod'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import { KeyIdSchema, NewKeySchema } from '../credentials/validation'
import type { KeyInfo, NewKey } from '../signin/keys'
import { ProblemSchema, describes, json, noContent, operation, problem, retryAfter, timestamp } from './operation'

const keyFields = {
  id: z.uuid(),
  name: z.string(),
  scopes: z.array(z.enum(['read', 'write'])),
  prefix: z.string().meta({ description: 'The first 12 characters of the key, to tell keys apart.' }),
  created_at: timestamp,
  expires_at: timestamp.nullable(),
}
const KeySchema = z.strictObject({ ...keyFields, last_used_at: timestamp.nullable() }).meta({ id: 'Key' })
const NewKeyResponseSchema = z
  .strictObject({ ...keyFields, key: z.string().regex(/^pgk_[A-Za-z0-9_-]{43}$/).meta({ description: 'The key itself: shown in this answer only.' }) })
  .meta({ id: 'NewKey' })
describes<z.output<typeof KeySchema>, KeyInfo>()
describes<z.output<typeof NewKeyResponseSchema>, NewKey>()

export const keyPaths: ZodOpenApiPathsObject = {
  '/api/keys': {
    get: operation({
      id: 'listKeys',
      summary: 'Your personal access tokens',
      description: 'Never the keys themselves.',
      tags: ['keys'],
      access: 'session',
      method: 'get',
      responses: { '200': { description: 'Oldest first.', ...json(z.array(KeySchema)) } },
    }),
    post: operation({
      id: 'createKey',
      summary: 'Create a personal access token',
      description: 'The key is in this answer only; it is stored as a hash. Needs a fresh sign-in: a stolen session must not mint a credential that outlives it.',
      tags: ['keys'],
      access: 'session',
      method: 'post',
      fresh: true,
      body: NewKeySchema,
      responses: {
        '201': { description: 'The new key.', ...json(NewKeyResponseSchema) },
        '409': problem('You already have 50 tokens.'),
        '429': { description: 'Too many keys created in a window (60), or too many failed key lookups.', headers: retryAfter, ...json(ProblemSchema) },
      },
    }),
  },
  '/api/keys/{id}': {
    delete: operation({
      id: 'deleteKey',
      summary: 'Delete a personal access token',
      tags: ['keys'],
      access: 'session',
      method: 'delete',
      params: { path: z.object({ id: KeyIdSchema }) },
      responses: { '204': noContent('Deleted: the key stops working at once.'), '404': problem('Token not found.') },
    }),
  },
}
