import { z } from 'zod'
import { type ZodOpenApiOperationObject, type ZodOpenApiResponseObject, type ZodOpenApiResponsesObject, createDocument } from 'zod-openapi'
import pkg from '../package.json' with { type: 'json' }
import { AuditQuerySchema, type AuditPage } from './audit'
import type { DirectoryEntry, ResetLink } from './admin'
import type { KeyInfo, NewKey } from './keys'
import type { Note } from './notes'
import type { SessionInfo } from './sessions'
import type { PublicUser } from './users'
import {
  DirectoryQuerySchema,
  KeyIdSchema,
  NewKeySchema,
  NewNoteSchema,
  NoteChangesSchema,
  NoteIdSchema,
  PasswordGrantSchema,
  ProfileSchema,
  RefreshGrantSchema,
  SessionIdSchema,
  SignUpSchema,
  UserChangesSchema,
  UserIdSchema,
  EmailVerificationConfirmSchema,
  PasswordResetConfirmSchema,
  PasswordResetRequestSchema,
  changePasswordSchema,
} from './validation'

// The OpenAPI 3.1 document behind `GET /api/openapi.json` and `/docs`. Requests are described by
// the zod schemas the handlers parse with (lib/validation.ts); responses by the schemas below,
// each checked at compile time against the type its module returns, and at test time against
// every response the API tests receive (tests/contract.ts). Nothing here is a hand-kept copy.

// --- Responses -------------------------------------------------------------------------------

const timestamp = z.iso.datetime({ offset: true })

const UserSchema = z
  .strictObject({
    id: z.int(),
    username: z.string(),
    email: z.string().nullable(),
    email_verified: z.boolean().meta({ description: 'True once a link mailed to `email` was opened; a new email clears it. Only a verified email receives reset links.' }),
    full_name: z.string().nullable(),
    disabled: z.boolean(),
    role: z.enum(['user', 'admin']),
    created_at: timestamp,
  })
  .meta({ id: 'User' })

const DirectoryEntrySchema = UserSchema.extend({
  last_login_at: timestamp.nullable(),
  live_sessions: z.int(),
  locked: z.boolean().meta({ description: 'True while the name refuses new devices after 100 failed sign-ins.' }),
}).meta({ id: 'DirectoryEntry' })

const DirectoryPageSchema = z.strictObject({ items: z.array(DirectoryEntrySchema), next_cursor: z.string().nullable() }).meta({ id: 'DirectoryPage' })

const ResetLinkSchema = z
  .strictObject({ url: z.string().meta({ description: 'The link, shown this once.' }), expires_at: timestamp })
  .meta({ id: 'ResetLink' })

const TokenSchema = z
  .strictObject({
    access_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.int().meta({ description: 'Seconds until the access token expires.' }),
    refresh_token: z.string(),
  })
  .meta({ id: 'Token' })

const SessionSchema = z
  .strictObject({
    id: z.uuid(),
    created_at: timestamp,
    last_used_at: timestamp,
    expires_at: timestamp,
    user_agent: z.string().nullable(),
    ip: z.string().nullable(),
    current: z.boolean().meta({ description: 'The session this request was made with.' }),
  })
  .meta({ id: 'Session' })

const NoteSchema = z.strictObject({ id: z.int(), text: z.string(), completed: z.boolean(), created_at: timestamp }).meta({ id: 'Note' })

const ItemSchema = z.strictObject({ item_id: z.int(), owner: z.string(), text: z.string(), completed: z.boolean() }).meta({ id: 'Item' })

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

const AuditPageSchema = z
  .strictObject({
    items: z.array(
      z.strictObject({
        id: z.int(),
        at: timestamp,
        kind: z.string(),
        actor_id: z.int().nullable(),
        actor: z.string().nullable(),
        target_id: z.int().nullable(),
        target: z.string().nullable(),
        ip: z.string().nullable(),
        user_agent: z.string().nullable(),
        detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
      }),
    ),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'AuditPage' })

const HealthSchema = z
  .strictObject({
    status: z.enum(['ok', 'error']),
    database: z.enum(['ok', 'unavailable']),
    schema: z.enum(['current', 'behind']).optional(),
    detail: z.string().optional(),
  })
  .meta({ id: 'Health' })

const ProblemSchema = z.strictObject({ detail: z.string() }).meta({ id: 'Problem', description: "FastAPI's error shape." })

const FieldErrorsSchema = z.array(z.strictObject({ loc: z.array(z.union([z.string(), z.int()])), msg: z.string(), type: z.string() }))

const ValidationProblemSchema = z
  .strictObject({ detail: FieldErrorsSchema })
  .meta({ id: 'ValidationProblem', description: "FastAPI's 422: one entry per field, `loc` naming it." })

// RFC 6749 section 5.2's fields, beside FastAPI's `detail`, on every error of /api/token.
const oauthError = {
  error: z.enum(['invalid_request', 'invalid_grant', 'unsupported_grant_type', 'temporarily_unavailable']),
  error_description: z.string().meta({ description: 'What `detail` says, in one line: what OAuth2 libraries show.' }),
}

const OAuthProblemSchema = z
  .strictObject({ ...oauthError, detail: z.string() })
  .meta({ id: 'OAuthProblem', description: "RFC 6749's `error` and `error_description`, with FastAPI's `detail`." })

const OAuthValidationProblemSchema = z
  .strictObject({ ...oauthError, detail: FieldErrorsSchema })
  .meta({ id: 'OAuthValidationProblem', description: "FastAPI's 422 list, with RFC 6749's `invalid_request` and the list in one line." })

// Each response schema describes exactly what its module returns: a change on either side that
// the other does not follow fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
function describes<A, B>(..._: Same<A, B> extends true ? [] : [never]): void {}
describes<z.output<typeof UserSchema>, PublicUser>()
describes<z.output<typeof DirectoryEntrySchema>, DirectoryEntry>()
describes<z.output<typeof SessionSchema>, SessionInfo>()
describes<z.output<typeof NoteSchema>, Note>()
describes<z.output<typeof KeySchema>, KeyInfo>()
describes<z.output<typeof NewKeyResponseSchema>, NewKey>()
describes<z.output<typeof AuditPageSchema>, AuditPage>()
describes<z.output<typeof ResetLinkSchema>, ResetLink>()

// --- Building blocks ---------------------------------------------------------------------------

type Access = 'anyone' | 'session' | 'read' | 'write' | 'admin'

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } })
const problem = (description: string): ZodOpenApiResponseObject => ({ description, ...json(ProblemSchema) })
const retryAfter = z.object({ 'Retry-After': z.string().meta({ description: 'Seconds to wait.' }) })
const noContent = (description: string): ZodOpenApiResponseObject => ({ description })

const SECURITY: Record<Access, Record<string, string[]>[]> = {
  anyone: [],
  session: [{ OAuth2PasswordBearer: [] }],
  admin: [{ OAuth2PasswordBearer: [] }],
  read: [{ OAuth2PasswordBearer: [] }, { PersonalAccessToken: [] }],
  write: [{ OAuth2PasswordBearer: [] }, { PersonalAccessToken: [] }],
}

const FORBIDDEN: Record<Exclude<Access, 'anyone'>, string> = {
  session: 'Called with a personal access token, which cannot manage keys, sessions, passwords or users.',
  admin: 'Not an admin, or called with a personal access token.',
  read: '',
  write: 'A personal access token without the `write` scope.',
}

type Spec = {
  /** The operationId: what generated clients name the call. */
  id: string
  summary: string
  description?: string
  tags: string[]
  access: Access
  method: 'get' | 'post' | 'patch' | 'delete'
  body?: z.ZodType
  /** A form body instead of JSON (the token endpoint). */
  form?: z.ZodType
  params?: { path?: z.ZodObject; query?: z.ZodObject }
  responses: ZodOpenApiResponsesObject
}

/**
 * One operation with the answers every route gives besides its own (lib/http.ts route() and
 * lib/auth.ts requireUser): 401/403/429 where a caller is needed, 413/415/422 where a JSON body is
 * read, 403 for a write from another site, and 500/503.
 */
function operation(spec: Spec): ZodOpenApiOperationObject {
  const responses: ZodOpenApiResponsesObject = { ...spec.responses }
  if (spec.access !== 'anyone') {
    responses['401'] = {
      description: 'No credentials, or an access token or key that is invalid, expired or ended.',
      headers: z.object({ 'WWW-Authenticate': z.string().meta({ description: '`Bearer`, or `Bearer error="invalid_token"`.' }) }),
      ...json(ProblemSchema),
    }
    const forbidden = [FORBIDDEN[spec.access], spec.method !== 'get' ? 'A write from another site (CSRF).' : ''].filter(Boolean).join(' ')
    if (forbidden !== '') responses['403'] ??= problem(forbidden)
    responses['429'] = { description: 'Too many failed key lookups from this address.', headers: retryAfter, ...json(ProblemSchema) }
  } else if (spec.method !== 'get') {
    responses['403'] ??= problem('A write from another site (CSRF).')
  }
  if (spec.body !== undefined) {
    responses['413'] ??= problem('The body is larger than 16 KiB.')
    responses['415'] ??= problem('The body is not `application/json`.')
  }
  if (spec.body !== undefined || spec.params?.query !== undefined) {
    responses['422'] ??= { description: 'A field breaks a rule.', ...json(ValidationProblemSchema) }
  }
  responses['500'] ??= problem('An unexpected error (never with details).')
  responses['503'] ??= problem('The database is out of reach, or its migrations are behind.')
  return {
    operationId: spec.id,
    summary: spec.summary,
    description: spec.description,
    tags: spec.tags,
    security: SECURITY[spec.access],
    requestParams: spec.params,
    requestBody:
      spec.form !== undefined
        ? { required: true, content: { 'application/x-www-form-urlencoded': { schema: spec.form }, 'multipart/form-data': { schema: spec.form } } }
        : spec.body === undefined
          ? undefined
          : { required: true, ...json(spec.body) },
    responses,
  }
}

const userPath = z.object({ id: UserIdSchema })

// The token endpoint's form: the two grants, as the handler parses them.
const TokenRequestSchema = z
  .union([
    PasswordGrantSchema.extend({ grant_type: z.literal('password').optional() }),
    RefreshGrantSchema.extend({ grant_type: z.literal('refresh_token') }),
  ])
  .meta({ id: 'TokenRequest' })

function buildDocument() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'passgate',
      version: pkg.version,
      description:
        'User authentication: sign-up, sign-in, sessions, personal access tokens and the notes example. ' +
        'Errors are `{"detail": ...}`; scripts sign in at `/api/token` (the OAuth2 password grant) and send ' +
        '`Authorization: Bearer <access_token>`, or a personal access token (`pgk_...`) made at `/api/keys`. ' +
        'Browsers are signed in by HttpOnly cookies instead.',
    },
    components: {
      securitySchemes: {
        OAuth2PasswordBearer: {
          type: 'oauth2',
          description: 'A first-party login shaped like the OAuth2 password grant, for compatibility with FastAPI clients.',
          flows: { password: { tokenUrl: '/api/token', refreshUrl: '/api/token', scopes: {} } },
        },
        PersonalAccessToken: { type: 'http', scheme: 'bearer', description: 'A personal access token (`pgk_...`) from `POST /api/keys`.' },
      },
    },
    paths: {
      '/api/token': {
        post: operation({
          id: 'loginForAccessToken',
          summary: 'Get tokens: the password grant or the refresh grant',
          description:
            'Form-encoded (or multipart). Sets the browser session cookies too. `grant_type` defaults to `password`. ' +
            'The same answer and time whether the user exists or not.',
          tags: ['auth'],
          access: 'anyone',
          method: 'post',
          form: TokenRequestSchema,
          responses: {
            '200': { description: 'A new access token and refresh token.', ...json(TokenSchema) },
            '400': { description: 'A missing field, an unknown grant type, a disabled or locked account, or a bad refresh token.', ...json(OAuthProblemSchema) },
            '401': { description: 'Incorrect username or password.', headers: z.object({ 'WWW-Authenticate': z.string() }), ...json(OAuthProblemSchema) },
            '413': { description: 'The body is larger than 16 KiB.', ...json(OAuthProblemSchema) },
            '415': { description: 'The body is not a form (JSON, for instance).', ...json(OAuthProblemSchema) },
            '422': { description: 'A field is not valid text.', ...json(OAuthValidationProblemSchema) },
            '429': { description: 'Too many attempts for this name or address.', headers: retryAfter, ...json(OAuthProblemSchema) },
          },
        }),
      },
      '/api/token/renew': {
        get: operation({
          id: 'renewSession',
          summary: 'Renew the browser session from its refresh cookie, then go on',
          description: 'For browsers: pages send a visitor here when the access cookie has expired.',
          tags: ['auth'],
          access: 'anyone',
          method: 'get',
          params: { query: z.object({ next: z.string().optional().meta({ description: 'A path on this site to go on to.' }) }) },
          responses: { '303': { description: 'To `next` when renewed, else to `/login`.', headers: z.object({ Location: z.string() }) } },
        }),
      },
      '/api/logout': {
        post: operation({
          id: 'logout',
          summary: 'Sign out: end this session',
          tags: ['auth'],
          access: 'session',
          method: 'post',
          responses: { '204': noContent('Ended; every token of the session stops working at once, and the cookies are cleared.') },
        }),
      },
      '/api/users': {
        get: operation({
          id: 'listUsers',
          summary: 'The user directory (admins)',
          tags: ['admin'],
          access: 'admin',
          method: 'get',
          params: { query: DirectoryQuerySchema },
          responses: { '200': { description: 'Newest first, 50 a page.', ...json(DirectoryPageSchema) } },
        }),
        post: operation({
          id: 'signUp',
          summary: 'Sign up',
          description: '200 rather than 201: the FastAPI tutorial\'s clients check for 200.',
          tags: ['users'],
          access: 'anyone',
          method: 'post',
          body: SignUpSchema,
          responses: {
            '200': { description: 'The new user.', ...json(UserSchema) },
            '403': problem('Sign-up is closed, or a write from another site.'),
            '409': problem('Username already registered.'),
            '429': { description: 'Too many sign-ups from this address.', headers: retryAfter, ...json(ProblemSchema) },
          },
        }),
      },
      '/api/users/me': {
        get: operation({ id: 'readUsersMe', summary: 'The signed-in user', tags: ['users'], access: 'read', method: 'get', responses: { '200': { description: 'The user.', ...json(UserSchema) } } }),
        patch: operation({
          id: 'updateUsersMe',
          summary: 'Change your email or full name',
          tags: ['users'],
          access: 'session',
          method: 'patch',
          body: ProfileSchema,
          description:
            '`null` clears a field; an absent field stays as it is. A new email (or none) needs `current_password`: it is where reset links go. ' +
            'It is unverified, a verification link is mailed to it, every earlier link of the user is void, and a verified old address is told.',
          responses: {
            '200': { description: 'The user.', ...json(UserSchema) },
            '400': problem('Current password is incorrect.'),
            '429': { description: 'Too many wrong current passwords, or email changes (each one mails a link), in a window.', headers: retryAfter, ...json(ProblemSchema) },
          },
        }),
      },
      '/api/users/me/password': {
        post: operation({
          id: 'changePassword',
          summary: 'Change your password',
          tags: ['users'],
          access: 'session',
          method: 'post',
          body: changePasswordSchema(''),
          responses: {
            '204': noContent('Changed; every other session of the user has ended.'),
            '400': problem('Current password is incorrect.'),
            '429': { description: 'Too many wrong current passwords.', headers: retryAfter, ...json(ProblemSchema) },
          },
        }),
      },
      '/api/users/me/email-verification': {
        post: operation({
          id: 'resendEmailVerification',
          summary: 'Mail a new verification link to your email',
          description: 'The previous link stops working.',
          tags: ['recovery'],
          access: 'session',
          method: 'post',
          responses: {
            '202': { description: 'The link is on its way.', ...json(ProblemSchema) },
            '409': problem('No email address, or it is already verified.'),
            '429': { description: 'Too many verification mails for this account in a window.', headers: retryAfter, ...json(ProblemSchema) },
            '503': problem('This server sends no mail, or the database is out of reach.'),
          },
        }),
      },
      '/api/password-reset': {
        post: operation({
          id: 'requestPasswordReset',
          summary: 'Mail a password reset link',
          description:
            'By `email` or `username`. The same answer, in the same time, whether the account exists or not. ' +
            'A link goes only to a verified email of an enabled account; it is valid 30 minutes, once, and a new request voids the older link.',
          tags: ['recovery'],
          access: 'anyone',
          method: 'post',
          body: PasswordResetRequestSchema,
          responses: {
            '202': { description: 'If the account exists, a message is on its way.', ...json(ProblemSchema) },
            '429': { description: 'Too many requests from this address or for this account.', headers: retryAfter, ...json(ProblemSchema) },
            '503': problem('This server sends no mail (ask an administrator for a reset link), or the database is out of reach.'),
          },
        }),
      },
      '/api/password-reset/confirm': {
        post: operation({
          id: 'confirmPasswordReset',
          summary: 'Set a new password with a reset link',
          tags: ['recovery'],
          access: 'anyone',
          method: 'post',
          body: PasswordResetConfirmSchema,
          responses: {
            '204': noContent('Set. Every session and personal access token of the user has ended; the lock-out is lifted.'),
            '400': problem('Invalid or expired reset link.'),
          },
        }),
      },
      '/api/email-verification/confirm': {
        post: operation({
          id: 'confirmEmailVerification',
          summary: 'Verify an email address with the mailed link',
          tags: ['recovery'],
          access: 'anyone',
          method: 'post',
          body: EmailVerificationConfirmSchema,
          responses: { '204': noContent('Verified.'), '400': problem('Invalid or expired verification link.') },
        }),
      },
      '/api/users/me/items': {
        get: operation({
          id: 'readOwnItems',
          summary: "Your notes, in the FastAPI tutorial's item shape",
          tags: ['notes'],
          access: 'read',
          method: 'get',
          responses: { '200': { description: 'Oldest first.', ...json(z.array(ItemSchema)) } },
        }),
      },
      '/api/users/{id}': {
        patch: operation({
          id: 'updateUser',
          summary: 'Disable, enable, promote or demote a user (admins)',
          description: 'Disabling ends every session and key of the user at once.',
          tags: ['admin'],
          access: 'admin',
          method: 'patch',
          params: { path: userPath },
          body: UserChangesSchema,
          responses: {
            '200': { description: 'The user as the directory shows it.', ...json(DirectoryEntrySchema) },
            '404': problem('User not found.'),
            '409': problem('Yourself, or the last enabled admin.'),
          },
        }),
      },
      '/api/users/{id}/sessions': {
        delete: operation({
          id: 'endUserSessions',
          summary: "End every session of a user (admins)",
          tags: ['admin'],
          access: 'admin',
          method: 'delete',
          params: { path: userPath },
          responses: { '204': noContent('Ended.'), '404': problem('User not found.') },
        }),
      },
      '/api/users/{id}/reset-link': {
        post: operation({
          id: 'createResetLink',
          summary: 'Make a one-time password reset link for a user (admins)',
          description: 'To hand over without mail: valid 24 hours, once; it voids the user\'s older links and is audited.',
          tags: ['admin'],
          access: 'admin',
          method: 'post',
          params: { path: userPath },
          responses: { '201': { description: 'The link, shown this once.', ...json(ResetLinkSchema) }, '404': problem('User not found.'), '409': problem('The user is disabled, or is the caller (who changes their own password instead).') },
        }),
      },
      '/api/users/{id}/lockout': {
        delete: operation({
          id: 'clearLockout',
          summary: 'Lift the 100-failure lock-out of a user (admins)',
          tags: ['admin'],
          access: 'admin',
          method: 'delete',
          params: { path: userPath },
          responses: { '204': noContent('Lifted.'), '404': problem('User not found.') },
        }),
      },
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
      '/api/notes': {
        get: operation({ id: 'listNotes', summary: 'Your notes', tags: ['notes'], access: 'read', method: 'get', responses: { '200': { description: 'Oldest first.', ...json(z.array(NoteSchema)) } } }),
        post: operation({
          id: 'createNote',
          summary: 'Add a note',
          tags: ['notes'],
          access: 'write',
          method: 'post',
          body: NewNoteSchema,
          responses: { '201': { description: 'The new note.', ...json(NoteSchema) }, '409': problem('You already have 1000 notes.') },
        }),
      },
      '/api/notes/{id}': {
        get: operation({
          id: 'readNote',
          summary: 'One of your notes',
          tags: ['notes'],
          access: 'read',
          method: 'get',
          params: { path: z.object({ id: NoteIdSchema }) },
          responses: { '200': { description: 'The note.', ...json(NoteSchema) }, '404': problem("Note not found (also another user's).") },
        }),
        patch: operation({
          id: 'updateNote',
          summary: 'Change a note',
          tags: ['notes'],
          access: 'write',
          method: 'patch',
          params: { path: z.object({ id: NoteIdSchema }) },
          body: NoteChangesSchema,
          responses: { '200': { description: 'The note.', ...json(NoteSchema) }, '404': problem('Note not found.') },
        }),
        delete: operation({
          id: 'deleteNote',
          summary: 'Delete a note',
          tags: ['notes'],
          access: 'write',
          method: 'delete',
          params: { path: z.object({ id: NoteIdSchema }) },
          responses: { '204': noContent('Deleted.'), '404': problem('Note not found.') },
        }),
      },
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
          description: 'The key is in this answer only; it is stored as a hash.',
          tags: ['keys'],
          access: 'session',
          method: 'post',
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
      '/api/dev/first-admin': {
        post: operation({
          id: 'becomeFirstAdmin',
          summary: 'Make yourself the first admin (development servers only)',
          description:
            'Under `npm run dev` the server holds the embedded store, so `npm run user:promote` cannot run: a signed-in user makes themselves admin ' +
            'while no account is an enabled admin (/admin offers it). A production build answers 404 whatever the database holds.',
          tags: ['admin'],
          access: 'session',
          method: 'post',
          responses: {
            '200': { description: 'You are an admin now.', ...json(UserSchema) },
            '404': problem('Not a development server.'),
            '409': problem('There is an admin already.'),
          },
        }),
      },
      '/api/audit': {
        get: operation({
          id: 'listAuditEvents',
          summary: 'The audit log (admins)',
          tags: ['admin'],
          access: 'admin',
          method: 'get',
          params: { query: AuditQuerySchema },
          responses: { '200': { description: 'Newest first, 50 a page.', ...json(AuditPageSchema) } },
        }),
      },
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
    },
  })
}

let serialized: string | undefined

/** The document as JSON, built once per process. */
export function openApiJson(): string {
  serialized ??= JSON.stringify(buildDocument())
  return serialized
}
