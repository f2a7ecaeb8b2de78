import { json, otherMethods, route } from '@/lib/http'

// STUB, replaced by the generated document (OpenAPI 3.1 from the zod schemas, built on main): just
// enough for /docs to authorize and call GET /api/users/me. The security schemes are the real ones.

const error = { type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'] }

const document = {
  openapi: '3.1.0',
  info: { title: 'passgate', version: '0.1.0' },
  paths: {
    '/api/token': {
      post: {
        summary: 'Get tokens: the OAuth2 password grant, or the refresh grant',
        operationId: 'token',
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                properties: {
                  grant_type: { type: 'string', enum: ['password', 'refresh_token'], default: 'password' },
                  username: { type: 'string' },
                  password: { type: 'string', format: 'password' },
                  refresh_token: { type: 'string' },
                },
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'A new token pair; the session cookies are set too',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    access_token: { type: 'string' },
                    token_type: { type: 'string', const: 'bearer' },
                    expires_in: { type: 'integer' },
                    refresh_token: { type: 'string' },
                  },
                  required: ['access_token', 'token_type', 'expires_in', 'refresh_token'],
                },
              },
            },
          },
          '401': { description: 'Incorrect username or password', content: { 'application/json': { schema: error } } },
        },
      },
    },
    '/api/users/me': {
      get: {
        summary: 'The signed-in user',
        operationId: 'readUsersMe',
        security: [{ OAuth2PasswordBearer: [] }, { PersonalAccessToken: [] }],
        responses: {
          '200': {
            description: 'The user',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    username: { type: 'string' },
                    email: { type: ['string', 'null'] },
                    full_name: { type: ['string', 'null'] },
                    disabled: { type: 'boolean' },
                    role: { type: 'string', enum: ['user', 'admin'] },
                    created_at: { type: 'string', format: 'date-time' },
                  },
                },
              },
            },
          },
          '401': { description: 'Not authenticated', content: { 'application/json': { schema: error } } },
        },
      },
    },
  },
  components: {
    securitySchemes: {
      OAuth2PasswordBearer: { type: 'oauth2', flows: { password: { tokenUrl: '/api/token', refreshUrl: '/api/token', scopes: {} } } },
      PersonalAccessToken: { type: 'http', scheme: 'bearer', description: 'A personal access token (pgk_...)' },
    },
  },
}

export const GET = route(async () => json(document))

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET')
