// The OpenAPI 3.1 document behind `GET /api/openapi.json` and `/docs`, one file per area of the
// API beside this one: a new endpoint is described in its area's file, next to its neighbours.
// Requests are described by the zod schemas the handlers parse with
// (lib/credentials/validation.ts); responses by each area's schemas, each checked at compile time
// against the type its module returns, and at test time against every response the API tests
// receive (tests/contract.ts). Nothing here is a hand-kept copy.
import { type ZodOpenApiPathsObject, createDocument } from 'zod-openapi'
import pkg from '../../package.json' with { type: 'json' }
import { adminPaths } from './admin'
import { authPaths } from './auth'
import { keyPaths } from './keys'
import { notePaths } from './notes'
import { operationPaths } from './operations'
import { passkeyComponents, passkeyPaths } from './passkeys'
import { recoveryPaths } from './recovery'
import { secondFactorPaths } from './second-factor'
import { sessionPaths } from './sessions'
import { userPaths } from './users'

/** The areas' paths in one object; a path two areas share (`/api/users`) gets both's methods. */
function mergePaths(...areas: ZodOpenApiPathsObject[]): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {}
  for (const area of areas) {
    for (const [path, methods] of Object.entries(area)) paths[path] = { ...paths[path], ...methods }
  }
  return paths
}

function buildDocument() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'passgate',
      version: pkg.version,
      description:
        'User authentication: sign-up, sign-in (with a password, a second factor, or a passkey), sessions, personal access tokens and the notes example. ' +
        'Errors are `{"detail": ...}`; scripts sign in at `/api/token` (the OAuth2 password grant) and send ' +
        '`Authorization: Bearer <access_token>`, or a personal access token (`pgk_...`) made at `/api/keys`. ' +
        'Browsers are signed in by HttpOnly cookies instead.',
    },
    components: {
      schemas: passkeyComponents,
      securitySchemes: {
        OAuth2PasswordBearer: {
          type: 'oauth2',
          description: 'A first-party login shaped like the OAuth2 password grant, for compatibility with FastAPI clients.',
          flows: { password: { tokenUrl: '/api/token', refreshUrl: '/api/token', scopes: {} } },
        },
        PersonalAccessToken: { type: 'http', scheme: 'bearer', description: 'A personal access token (`pgk_...`) from `POST /api/keys`.' },
      },
    },
    paths: mergePaths(authPaths, userPaths, secondFactorPaths, passkeyPaths, recoveryPaths, sessionPaths, keyPaths, notePaths, adminPaths, operationPaths),
  })
}

let serialized: string | undefined

/** The document as JSON, built once per process. */
export function openApiJson(): string {
  serialized ??= JSON.stringify(buildDocument())
  return serialized
}
