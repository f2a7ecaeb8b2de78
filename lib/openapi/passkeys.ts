// Passkeys (WebAuthn): a user's own passkeys, and the options that begin each ceremony. A passkey
// is a second factor and a whole sign-in: the sign-in is the token endpoint's passkey grant
// (./auth.ts), a step-up takes one at `POST /api/users/me/reauth` (./second-factor.ts), and an
// admin's reset of another user's second factor removes them all (./admin.ts).
// The WebAuthn JSON is W3C WebAuthn Level 3's, as @simplewebauthn/browser sends and reads it: the
// options' main fields are named here, the rest passes through as the library made it; the
// answers are described by the schemas the handlers parse them with.
import { z } from 'zod'
import type { ZodOpenApiPathsObject, ZodOpenApiResponseObject } from 'zod-openapi'
import type { Passkey } from '../accounts/passkeys'
import { NewPasskeySchema, PasskeyAnswerSchema, PasskeyIdSchema, PasskeyNameSchema, PasskeyOptionsSchema } from '../credentials/validation'
import { PASSKEYS_OFF, TOO_MANY_PASSKEYS } from '../signin/passkeys'
import { ProblemSchema, describes, json, noContent, operation, problem, retryAfter, timestamp } from './operation'

const base64url = z.string().meta({ description: 'base64url, without padding.' })

const CredentialDescriptorSchema = z.looseObject({
  id: base64url,
  type: z.literal('public-key'),
  transports: z.array(z.string()).optional(),
})

const CreationOptionsSchema = z
  .looseObject({
    rp: z.looseObject({ id: z.string().optional(), name: z.string() }),
    user: z.looseObject({ id: base64url, name: z.string(), displayName: z.string() }),
    challenge: base64url,
    pubKeyCredParams: z.array(z.looseObject({ type: z.literal('public-key'), alg: z.int() })),
    timeout: z.int().optional(),
    excludeCredentials: z.array(CredentialDescriptorSchema).optional().meta({ description: "The user's passkeys: an authenticator that holds one says so instead of making another." }),
    authenticatorSelection: z.looseObject({}).optional(),
    attestation: z.string().optional(),
  })
  .meta({
    id: 'PublicKeyCredentialCreationOptionsJSON',
    description: 'W3C WebAuthn: what `navigator.credentials.create()` needs, as JSON. Pass it to `startRegistration({ optionsJSON })` of `@simplewebauthn/browser`.',
  })

const RequestOptionsSchema = z
  .looseObject({
    challenge: base64url,
    timeout: z.int().optional(),
    rpId: z.string().optional(),
    allowCredentials: z.array(CredentialDescriptorSchema).optional().meta({ description: 'Empty for a sign-in with no username; else the passkeys of the user.' }),
    userVerification: z.string().optional(),
  })
  .meta({
    id: 'PublicKeyCredentialRequestOptionsJSON',
    description: 'W3C WebAuthn: what `navigator.credentials.get()` needs, as JSON. Pass it to `startAuthentication({ optionsJSON })` of `@simplewebauthn/browser`.',
  })

/** The answers' components, named as the W3C names them (document.ts registers them). */
export const passkeyComponents = {
  RegistrationResponseJSON: NewPasskeySchema.shape.credential,
  AuthenticationResponseJSON: PasskeyAnswerSchema,
}

const PasskeySchema = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    created_at: timestamp,
    last_used_at: timestamp.nullable(),
    synced: z
      .boolean()
      .meta({ description: "True when the authenticator says the passkey is backed up (a password manager, the platform's keychain); false: bound to this one device." }),
  })
  .meta({ id: 'Passkey' })
describes<z.output<typeof PasskeySchema>, Passkey>()

const passkeyPath = z.object({ id: PasskeyIdSchema })

/** The answer of every ceremony on a production server without APP_URL (the passkeys made before stay listed, renamed, removed). */
const OFF = `\`${PASSKEYS_OFF}\`: a production server without \`APP_URL\`.`

const throttled = (description: string): ZodOpenApiResponseObject => ({ description, headers: retryAfter, ...json(ProblemSchema) })

export const passkeyPaths: ZodOpenApiPathsObject = {
  '/api/users/me/passkeys/options': {
    post: operation({
      id: 'startPasskeyRegistration',
      summary: 'Begin adding a passkey: the options for the browser',
      description:
        'A new challenge, single use and valid 5 minutes, kept by the server. The browser makes the passkey (`startRegistration`) and ' +
        '`POST /api/users/me/passkeys` stores it. Asks for a discoverable credential and user verification; no attestation.',
      tags: ['passkeys'],
      access: 'session',
      method: 'post',
      fresh: true,
      beforeEnrolment: true,
      responses: {
        '200': { description: 'The options for `startRegistration({ optionsJSON })`.', ...json(CreationOptionsSchema) },
        '404': problem(OFF),
        '409': problem(`${TOO_MANY_PASSKEYS}.`),
      },
    }),
  },
  '/api/users/me/passkeys': {
    get: operation({
      id: 'listPasskeys',
      summary: 'Your passkeys',
      description: 'Never the keys themselves: only what this list shows is stored beside the public key.',
      tags: ['passkeys'],
      access: 'session',
      method: 'get',
      responses: { '200': { description: 'Newest first.', ...json(z.array(PasskeySchema)) } },
    }),
    post: operation({
      id: 'addPasskey',
      summary: 'Add a passkey: the browser\'s answer to the options',
      description:
        'From now on the password alone no longer signs in: a sign-in with the password asks for a passkey or a code too. ' +
        'A verified email is told.',
      tags: ['passkeys'],
      access: 'session',
      method: 'post',
      fresh: true,
      beforeEnrolment: true,
      body: NewPasskeySchema.extend({
        name: NewPasskeySchema.shape.name.meta({ description: 'What the list shows, 1 to 64 characters as a key\'s name; `Passkey` when none is given.' }),
      }).meta({ id: 'NewPasskey' }),
      responses: {
        '201': { description: 'The new passkey.', ...json(PasskeySchema) },
        '400': problem(
          'The answer was refused, its `detail` saying why: a challenge unknown, expired or already used (each is good once, even when the answer was wrong), ' +
          "or begun for another session; another site's origin or RP ID; no user verification (PIN, fingerprint, face); or a malformed answer.",
        ),
        '404': problem(OFF),
        '409': problem('This passkey is already registered (here, by anyone), or the account has 10 already.'),
      },
    }),
  },
  '/api/users/me/passkeys/{id}': {
    patch: operation({
      id: 'renamePasskey',
      summary: 'Rename one of your passkeys',
      tags: ['passkeys'],
      access: 'session',
      method: 'patch',
      params: { path: passkeyPath },
      body: PasskeyNameSchema,
      responses: { '200': { description: 'The passkey.', ...json(PasskeySchema) }, '404': problem('Passkey not found: not one of yours.') },
    }),
    delete: operation({
      id: 'removePasskey',
      summary: 'Remove one of your passkeys',
      description: 'It no longer signs in, on every instance. A verified email is told.',
      tags: ['passkeys'],
      access: 'session',
      method: 'delete',
      fresh: true,
      params: { path: passkeyPath },
      responses: {
        '204': noContent('Removed.'),
        '404': problem('Passkey not found: not one of yours.'),
        '409': problem('MFA_REQUIRED covers this user and it is their last second factor: set up an authenticator app or another passkey first.'),
      },
    }),
  },
  '/api/passkeys/options': {
    post: operation({
      id: 'startPasskeySignIn',
      summary: 'Begin a sign-in with a passkey: the options for the browser',
      description:
        '`{}`: a sign-in with no username (any passkey of this site; the browser asks which). ' +
        '`{"mfa_token"}` from the password grant\'s 403 `mfa_required`: the second step of that sign-in, with that user\'s passkeys. ' +
        'The browser answers (`startAuthentication`, or with `useBrowserAutofill` for the username field\'s suggestions) and the ' +
        'token endpoint\'s passkey grant signs in with the answer.',
      tags: ['passkeys'],
      access: 'anyone',
      method: 'post',
      body: PasskeyOptionsSchema,
      responses: {
        '200': { description: 'The options for `startAuthentication({ optionsJSON })`.', ...json(RequestOptionsSchema) },
        '400': problem('An `mfa_token` that is invalid or expired, or whose account has no passkey.'),
        '404': problem(OFF),
        '429': throttled('Too many sign-ins begun from this address in a window.'),
      },
    }),
  },
  '/api/users/me/reauth/options': {
    post: operation({
      id: 'startPasskeyReauth',
      summary: 'Begin a step-up with a passkey: the options for the browser',
      description: 'With the user\'s passkeys; the answer goes to `POST /api/users/me/reauth` as `passkey`.',
      tags: ['passkeys'],
      access: 'session',
      method: 'post',
      beforeEnrolment: true,
      responses: {
        '200': { description: 'The options for `startAuthentication({ optionsJSON })`.', ...json(RequestOptionsSchema) },
        '404': problem(OFF),
        '409': problem('You have no passkey.'),
      },
    }),
  },
}
