// Signing up and a user's own account.
import { z } from 'zod'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import type { PublicUser } from '../accounts/users'
import type { MfaStatus } from '../accounts/second-factor'
import type { describeMe } from '../signin/auth'
import { ProfileSchema, SignUpSchema, changePasswordSchema } from '../credentials/validation'
import { ProblemSchema, describes, json, noContent, operation, problem, retryAfter, timestamp } from './operation'

export const UserSchema = z
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
describes<z.output<typeof UserSchema>, PublicUser>()

export const MfaStatusSchema = z
  .strictObject({
    totp: z.boolean().meta({ description: 'True while TOTP (an authenticator app) is required at sign-in.' }),
    recovery_codes_left: z.int().meta({ description: 'Unused recovery codes.' }),
    passkeys: z.int().meta({ description: 'Passkeys registered: each signs in on its own, and answers the second step after a password.' }),
  })
  .meta({ id: 'MfaStatus' })
describes<z.output<typeof MfaStatusSchema>, MfaStatus>()

/** The second factor as the user and the directory see it: with whether MFA_REQUIRED makes them keep one. */
export const UserMfaSchema = MfaStatusSchema.extend({ required: z.boolean().meta({ description: 'True when MFA_REQUIRED makes this user keep a second factor.' }) }).meta({
  id: 'UserMfa',
})

const MeSchema = UserSchema.extend({ mfa: UserMfaSchema }).meta({ id: 'Me' })
describes<z.output<typeof MeSchema>, ReturnType<typeof describeMe>>()

export const userPaths: ZodOpenApiPathsObject = {
  '/api/users': {
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
    get: operation({
      id: 'readUsersMe',
      summary: 'The signed-in user',
      description: 'Answers before a second factor that MFA_REQUIRED asks for is set up: a page reads `mfa.required` here.',
      tags: ['users'],
      access: 'read',
      method: 'get',
      beforeEnrolment: true,
      responses: { '200': { description: 'The user and their second factor.', ...json(MeSchema) } },
    }),
    patch: operation({
      id: 'updateUsersMe',
      summary: 'Change your email or full name',
      tags: ['users'],
      access: 'session',
      method: 'patch',
      fresh: true,
      body: ProfileSchema,
      description:
        '`null` clears a field; an absent field stays as it is. A new email (or none) needs `current_password` and a fresh sign-in (else 403 `reauth_required`): it is where reset links go. ' +
        'It is unverified, a verification link is mailed to it, every earlier link of the user is void, and a verified old address is told.',
      responses: {
        '200': { description: 'The user and their second factor.', ...json(MeSchema) },
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
}
