// A user's own sessions.
import { z } from 'zod'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import { SessionIdSchema } from '../credentials/validation'
import type { SessionInfo } from '../signin/sessions'
import { describes, json, noContent, operation, problem, timestamp } from './operation'

const SessionSchema = z
  .strictObject({
    id: z.uuid(),
    created_at: timestamp,
    last_used_at: timestamp,
    expires_at: timestamp,
    auth_time: timestamp.meta({ description: 'When the user last proved who they are in this session: the sign-in, or a step-up since.' }),
    amr: z.array(z.enum(['pwd', 'otp', 'recovery', 'passkey'])).meta({ description: 'How (RFC 8176): pwd a password, otp a TOTP code, recovery a recovery code, passkey a passkey (which alone counts as two factors).' }),
    user_agent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean().meta({ description: 'The session this request was made with.' }),
  })
  .meta({ id: 'Session' })
describes<z.output<typeof SessionSchema>, SessionInfo>()

export const sessionPaths: ZodOpenApiPathsObject = {
  '/api/sessions': {
    get: operation({
      id: 'listSessions',
      summary: 'Your live sessions',
      tags: ['sessions'],
      access: 'session',
      method: 'get',
      responses: { '200': { description: 'Most recently used first.', ...json(z.array(SessionSchema)) } },
    }),
  },
  '/api/sessions/{id}': {
    delete: operation({
      id: 'endSession',
      summary: 'End one of your sessions',
      tags: ['sessions'],
      access: 'session',
      method: 'delete',
      params: { path: z.object({ id: SessionIdSchema }) },
      responses: { '204': noContent('Ended.'), '404': problem('Session not found.') },
    }),
  },
}
