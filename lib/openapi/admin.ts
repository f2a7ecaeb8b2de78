// The operators' console: the directory, actions on other users, the audit log.
import { z } from 'zod'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import { AuditQuerySchema, type AuditPage } from '../accounts/audit'
import { DirectoryQuerySchema, UserChangesSchema, UserIdSchema } from '../credentials/validation'
import type { DirectoryEntry, ResetLink } from '../operators/admin'
import { describes, json, noContent, operation, problem, timestamp } from './operation'
import { UserMfaSchema, UserSchema } from './users'

const DirectoryEntrySchema = UserSchema.extend({
  last_login_at: timestamp.nullable(),
  live_sessions: z.int(),
  locked: z.boolean().meta({ description: 'True while the name refuses new devices after 100 failed sign-ins.' }),
  mfa: UserMfaSchema,
}).meta({ id: 'DirectoryEntry' })

const DirectoryPageSchema = z.strictObject({ items: z.array(DirectoryEntrySchema), next_cursor: z.string().nullable() }).meta({ id: 'DirectoryPage' })

const ResetLinkSchema = z
  .strictObject({ url: z.string().meta({ description: 'The link, shown this once.' }), expires_at: timestamp })
  .meta({ id: 'ResetLink' })

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

describes<z.output<typeof DirectoryEntrySchema>, DirectoryEntry>()
describes<z.output<typeof AuditPageSchema>, AuditPage>()
describes<z.output<typeof ResetLinkSchema>, ResetLink>()

const userPath = z.object({ id: UserIdSchema })

export const adminPaths: ZodOpenApiPathsObject = {
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
  },
  '/api/users/{id}': {
    patch: operation({
      id: 'updateUser',
      summary: 'Disable, enable, promote or demote a user (admins)',
      description: 'Disabling ends every session and key of the user at once. Promoting voids their reset links (a reset link never reaches an admin).',
      tags: ['admin'],
      access: 'admin',
      method: 'patch',
      fresh: true,
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
      fresh: true,
      params: { path: userPath },
      responses: { '204': noContent('Ended.'), '404': problem('User not found.') },
    }),
  },
  '/api/users/{id}/reset-link': {
    post: operation({
      id: 'createResetLink',
      summary: 'Make a one-time password reset link for a user (admins)',
      description:
        'To hand over without mail: valid 24 hours, once; it voids the user\'s older links and is audited. ' +
        'Never for an admin: an admin recovers from a terminal (`npm run user:recover`), and promoting a user voids their links.',
      tags: ['admin'],
      access: 'admin',
      method: 'post',
      fresh: true,
      params: { path: userPath },
      responses: { '201': { description: 'The link, shown this once.', ...json(ResetLinkSchema) }, '404': problem('User not found.'), '409': problem('The user is disabled, is an admin, or is the caller (who changes their own password instead).') },
    }),
  },
  '/api/users/{id}/mfa': {
    delete: operation({
      id: 'resetSecondFactor',
      summary: "Remove a user's second factors: TOTP and every passkey (admins)",
      description:
        'For a user who lost their authenticator and recovery codes, or their passkey: their TOTP, recovery codes and every passkey go, every session of theirs ends, ' +
        'a verified email is told, and they sign in with the password alone until they set one up again. ' +
        'Audited as `mfa_reset`, with `sessions_ended`, `totp` and `passkeys` (how many went).',
      tags: ['admin'],
      access: 'admin',
      method: 'delete',
      fresh: true,
      params: { path: userPath },
      responses: {
        '204': noContent('Removed.'),
        '404': problem('User not found.'),
        '409': problem('The user has no second factor (neither TOTP nor a passkey), or is the caller (who removes their own on their account page).'),
      },
    }),
  },
  '/api/users/{id}/lockout': {
    delete: operation({
      id: 'clearLockout',
      summary: 'Lift the 100-failure lock-out of a user (admins)',
      tags: ['admin'],
      access: 'admin',
      method: 'delete',
      fresh: true,
      params: { path: userPath },
      responses: { '204': noContent('Lifted.'), '404': problem('User not found.') },
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
}
