// Two-step sign-in and step-up: a user's own second factor (TOTP and recovery codes), and
// confirming who they are again before an action that needs a fresh sign-in. The sign-in's second
// step is the token endpoint's third grant (./auth.ts); passkeys, the other kind of second factor,
// are in ./passkeys.ts; an admin's reset of another user's second factor is in ./admin.ts.
import { z } from 'zod'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import type { TotpSetup } from '../signin/mfa'
import { ReauthSchema, TotpConfirmSchema } from '../credentials/validation'
import { ProblemSchema, describes, json, noContent, operation, problem, retryAfter } from './operation'

const TotpSetupSchema = z
  .strictObject({
    secret: z.string().meta({ description: 'The new secret in base32, for typing into an authenticator app.' }),
    otpauth_uri: z.string().meta({ description: 'The same as an `otpauth://totp/...` URI, for a QR code.' }),
  })
  .meta({ id: 'TotpSetup' })
describes<z.output<typeof TotpSetupSchema>, TotpSetup>()

const RecoveryCodesSchema = z
  .strictObject({
    recovery_codes: z
      .array(z.string().regex(/^[a-z2-9]{5}-[a-z2-9]{5}$/))
      .length(10)
      .meta({ description: 'Ten single-use codes, shown this once: each signs in (or confirms an action) in place of a TOTP code.' }),
  })
  .meta({ id: 'RecoveryCodes' })

const throttled = (description: string) => ({ description, headers: retryAfter, ...json(ProblemSchema) })

export const secondFactorPaths: ZodOpenApiPathsObject = {
  '/api/users/me/mfa/totp': {
    post: operation({
      id: 'startTotpSetup',
      summary: 'Start setting up TOTP (an authenticator app)',
      description:
        'A new secret, kept until `POST /api/users/me/mfa/totp/confirm` confirms it with a code; a new call replaces an unconfirmed one. ' +
        'Nothing changes at sign-in until then.',
      tags: ['second factor'],
      access: 'session',
      method: 'post',
      fresh: true,
      beforeEnrolment: true,
      responses: {
        '200': { description: 'The secret, and its otpauth URI for a QR code.', ...json(TotpSetupSchema) },
        '409': problem('Two-step sign-in is already on: turn it off first to set up a new authenticator.'),
      },
    }),
    delete: operation({
      id: 'turnOffTotp',
      summary: 'Turn TOTP off',
      description: 'The recovery codes go too; a verified email is told. Passkeys stay.',
      tags: ['second factor'],
      access: 'session',
      method: 'delete',
      fresh: true,
      responses: {
        '204': noContent('Off: the password alone signs in from now on, unless the account has a passkey.'),
        '409': problem('TOTP is not on, or MFA_REQUIRED makes this account keep a second factor and it has no passkey.'),
      },
    }),
  },
  '/api/users/me/mfa/totp/confirm': {
    post: operation({
      id: 'confirmTotpSetup',
      summary: 'Confirm the TOTP set-up with a code: two-step sign-in is on',
      description: 'The answer carries the first ten recovery codes, shown this once.',
      tags: ['second factor'],
      access: 'session',
      method: 'post',
      fresh: true,
      beforeEnrolment: true,
      body: TotpConfirmSchema,
      responses: {
        '200': { description: 'On; keep the recovery codes somewhere safe.', ...json(RecoveryCodesSchema) },
        '400': problem('Wrong code: not one the new secret gives now (one 30-second step of clock drift either way is accepted).'),
        '409': problem('No set-up in progress (or two-step sign-in is already on): start again.'),
        '429': throttled('Too many wrong codes in a window.'),
      },
    }),
  },
  '/api/users/me/mfa/recovery-codes': {
    post: operation({
      id: 'createRecoveryCodes',
      summary: 'Make a new set of recovery codes',
      description: 'The old set stops working.',
      tags: ['second factor'],
      access: 'session',
      method: 'post',
      fresh: true,
      responses: {
        '200': { description: 'The new codes, shown this once.', ...json(RecoveryCodesSchema) },
        '409': problem('Two-step sign-in is not on.'),
      },
    }),
  },
  '/api/users/me/reauth': {
    post: operation({
      id: 'reauthenticate',
      summary: 'Confirm it is you (step-up): the session counts as a fresh sign-in again',
      description:
        'For the actions that answer 403 `reauth_required`: repeat them afterwards, within REAUTH_MAX_AGE_MINUTES. ' +
        'A user with a second factor gives `otp` (a TOTP code or a recovery code) or `passkey` (the browser\'s answer to `POST /api/users/me/reauth/options`); ' +
        'the password alone is refused. Others give `password`. ' +
        'No new tokens; never with a personal access token. Wrong answers count toward the account\'s 100-failure lock-out; once it holds, ' +
        'step-ups answer 403 until a full sign-in from a browser the account has used before (or an admin) ends it.',
      tags: ['second factor'],
      access: 'session',
      method: 'post',
      beforeEnrolment: true,
      body: ReauthSchema,
      responses: {
        '204': noContent("Confirmed: the session's auth_time is now, its amr how it was proved."),
        '400': problem(
          'Incorrect password, a wrong code, a passkey\'s answer refused (`detail` says why), or the wrong kind of proof ' +
          '(a code or a passkey is needed where the user has a second factor, the password where they have none).',
        ),
        '404': problem('A `passkey` on a production server without `APP_URL`: passkeys are off.'),
        '429': throttled('Too many wrong passwords, codes or passkeys in a window.'),
      },
    }),
  },
}
