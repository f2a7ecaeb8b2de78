import { z } from 'zod'
import { isCommonPassword } from './common-passwords'

// Field rules shared by the API, the CLI and (later) the OpenAPI document; the forms show the
// messages these produce, which the API returns next to each field.

export const PASSWORD_MIN_CHARS = 8
export const PASSWORD_MAX_BYTES = 72

const byteLength = (value: string): number => new TextEncoder().encode(value).length

/** A string that is well-formed Unicode (no lone surrogates) and holds no NUL byte. */
function text() {
  return z
    .string()
    .refine((value) => value.isWellFormed(), 'Must be valid Unicode text')
    .refine((value) => !value.includes('\0'), 'Must not contain a NUL byte')
}

/**
 * One line of text as people type it: no control characters (no newline, no tab), no line or
 * paragraph separators, and no bidirectional overrides or isolates, which could make a name read
 * differently where an admin sees it (a key named to look like another). Emoji sequences stay.
 */
function line(what: string, max: number, required = false) {
  return text()
    .max(max, `${what} must be at most ${max} characters`)
    .refine((value) => !/\p{Cc}/u.test(value), `${what} must not contain control characters`)
    .refine((value) => !/[\u2028\u2029\u202A-\u202E\u2066-\u2069]/u.test(value), `${what} must not contain line separators or text-direction characters`)
    .refine(
      (value) => (required ? visible(value) !== '' : value === '' || visible(value) !== ''),
      required ? `${what} must not be empty` : `${what} must not be blank`,
    )
}

/** The text without default-ignorable code points (zero-width spaces and joiners, fillers, variation selectors: they show nothing) and surrounding spaces. */
const visible = (value: string): string => value.replace(/\p{Default_Ignorable_Code_Point}/gu, '').trim()

/**
 * A name (a person's, a key's) as `line` allows it, without the invisible characters that make a
 * name look blank or like another: zero-width space, word joiner, BOM, soft hyphen, invisible
 * operators, Hangul fillers. The joiners ZWJ and ZWNJ stay: scripts (Persian, Indic) and emoji
 * sequences need them.
 */
function name(what: string, max: number, required = false) {
  return line(what, max, required).refine(
    (value) => !/[\u00AD\u115F\u1160\u180E\u200B\u2060-\u2064\u3164\uFEFF\uFFA0]/u.test(value),
    `${what} must not contain zero-width or invisible characters`,
  )
}

export const UsernameSchema = z
  .string()
  .min(3, 'Username must be at least 3 characters')
  .max(32, 'Username must be at most 32 characters')
  .regex(/^[A-Za-z0-9_.-]+$/, 'Username may use only letters, digits, "_", "." and "-"')

// NIST SP 800-63B 3.1.1.2, OWASP ASVS 5.0 V6.2.1 and V6.2.5: a minimum length, no composition rules.
export const PasswordSchema = text()
  .refine((value) => [...value].length >= PASSWORD_MIN_CHARS, `Password must be at least ${PASSWORD_MIN_CHARS} characters`)
  // bcrypt uses only the first 72 bytes: a longer password is refused, never silently cut (V6.2.8).
  .refine((value) => byteLength(value) <= PASSWORD_MAX_BYTES, `Password must be at most ${PASSWORD_MAX_BYTES} bytes (UTF-8)`)
  .refine((value) => !isCommonPassword(value), 'This password is too common: choose another')

/** The rule as the forms state it next to the password field. */
export const PASSWORD_HINT = `At least ${PASSWORD_MIN_CHARS} characters (at most ${PASSWORD_MAX_BYTES} bytes), not your username, not a common password`

export const EmailSchema = z.email('Enter a valid email address').max(254, 'Email must be at most 254 characters')

export const FullNameSchema = name('Full name', 100)

export const isNotUsername = (password: string, username: string): boolean => password.toLowerCase() !== username.toLowerCase()
export const NOT_USERNAME = 'Password must not be the username'

export const SignUpSchema = z
  .object({
    username: UsernameSchema,
    password: PasswordSchema,
    email: EmailSchema.nullish(),
    full_name: FullNameSchema.nullish(),
  })
  .refine((body) => isNotUsername(body.password, body.username), { path: ['password'], message: NOT_USERNAME })


/** `POST /api/users/me/password` for the signed-in `username`. */
export function changePasswordSchema(username: string) {
  return z
    .object({ current_password: text().min(1, 'Enter your current password').max(1024), new_password: PasswordSchema })
    .refine((body) => isNotUsername(body.new_password, username), { path: ['new_password'], message: NOT_USERNAME })
}

const NoteTextSchema = line('Text', 1000, true)

/** `POST /api/notes`. */
export const NewNoteSchema = z.strictObject({ text: NoteTextSchema, completed: z.boolean().default(false) })

/** `PATCH /api/notes/{id}`: the text, the tick, or both. */
export const NoteChangesSchema = z
  .strictObject({ text: NoteTextSchema.optional(), completed: z.boolean().optional() })
  .refine((body) => body.text !== undefined || body.completed !== undefined, 'Give "text", "completed" or both')

export const KEY_SCOPES = ['read', 'write'] as const
export type KeyScope = (typeof KEY_SCOPES)[number]

/** `POST /api/keys`: scopes `["read"]` or `["read", "write"]` (write without read makes no sense). */
export const NewKeySchema = z.strictObject({
  name: name('Name', 100, true),
  scopes: z
    .array(z.enum(KEY_SCOPES))
    .refine((scopes) => scopes.includes('read') && new Set(scopes).size === scopes.length, 'Scopes must be ["read"] or ["read", "write"]')
    .transform((scopes) => KEY_SCOPES.filter((scope) => scopes.includes(scope))),
  expires_in_days: z.number().int('Must be a whole number of days').min(1).max(365).nullish(),
})

export const KeyIdSchema = z.uuid()

// Only these fields; anything else (role, username, disabled, email_verified) is refused rather than ignored.
export const ProfileSchema = z.strictObject({
  email: EmailSchema.nullish(),
  full_name: FullNameSchema.nullish(),
  // Needed to change the email: it is where password reset links go.
  current_password: text().min(1, 'Enter your current password').max(1024).optional(),
})

// The password grant's form (RFC 6749 section 4.3.2). Credentials are only checked for shape here:
// a login never says which rule a stored password breaks.
export const PasswordGrantSchema = z.object({
  username: text().min(1).max(256),
  password: text().min(1).max(1024),
})

// RFC 6749 section 6. The token's own shape is checked by lib/credentials/tokens.ts.
export const RefreshGrantSchema = z.object({ refresh_token: text().min(1).max(256) })

// A code of the second factor as typed: six digits (spaces allowed) or a recovery code
// (lib/credentials/totp.ts tells them apart and checks them).
export const OtpSchema = text().min(1, 'Enter a code').max(32, 'A code is at most 32 characters')

// The second step of a sign-in: a grant type of our own (RFC 6749 section 4.5's extension grants
// are named by a URI).
export const MFA_GRANT = 'urn:passgate:params:oauth:grant-type:mfa-otp'
export const MfaGrantSchema = z.object({ mfa_token: text().min(1).max(256), otp: OtpSchema })

export const TotpConfirmSchema = z.strictObject({ otp: OtpSchema })

// Passkeys: the browser's answers to WebAuthn ceremonies, in the JSON encoding of WebAuthn Level 3
// (what @simplewebauthn/browser sends). Only their shape is checked here; lib/credentials/passkey.ts
// checks what they say.
const base64url = (max: number) => z.string().max(max, 'Too long').regex(/^[A-Za-z0-9_-]*$/, 'Must be base64url')
const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const
const credentialFields = {
  id: base64url(1024).min(1),
  rawId: base64url(1024).min(1),
  type: z.literal('public-key'),
  clientExtensionResults: z.looseObject({}).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
}

/** The answer to `navigator.credentials.get` (RegistrationResponseJSON's sibling, AuthenticationResponseJSON). */
export const PasskeyAnswerSchema = z.looseObject({
  ...credentialFields,
  response: z.looseObject({ clientDataJSON: base64url(4096), authenticatorData: base64url(4096), signature: base64url(2048), userHandle: base64url(512).optional() }),
})

/** `POST /api/users/me/passkeys`: the answer to `navigator.credentials.create`, and a name for the passkey. */
export const NewPasskeySchema = z.strictObject({
  credential: z.looseObject({
    ...credentialFields,
    response: z.looseObject({ clientDataJSON: base64url(4096), attestationObject: base64url(8192), transports: z.array(z.enum(TRANSPORTS)).max(8).optional() }),
  }),
  name: name('Name', 64, true).optional(),
})

export const PasskeyNameSchema = z.strictObject({ name: name('Name', 64, true) })

export const PasskeyIdSchema = z.uuid()

/** `POST /api/passkeys/options`: a sign-in with no username, or (with the password step's mfa_token) its second step. */
export const PasskeyOptionsSchema = z.strictObject({ mfa_token: text().min(1).max(256).optional() })

// A passkey answering a sign-in (with an mfa_token, the second step after a password): a grant of
// our own, its answer sent as a JSON string in the form.
export const PASSKEY_GRANT = 'urn:passgate:params:oauth:grant-type:passkey'
export const PasskeyGrantSchema = z.object({
  credential: z
    .string()
    .max(8192)
    .transform((value, context) => {
      try {
        return JSON.parse(value) as unknown
      } catch {
        context.addIssue({ code: 'custom', message: 'Must be the JSON of a passkey answer' })
        return z.NEVER
      }
    })
    .pipe(PasskeyAnswerSchema),
  mfa_token: text().min(1).max(256).optional(),
})

// A step-up: the password, or for a user with a second factor a code of it or a passkey.
export const ReauthSchema = z
  .strictObject({ password: text().min(1, 'Enter your password').max(1024).optional(), otp: OtpSchema.optional(), passkey: PasskeyAnswerSchema.optional() })
  .refine((body) => body.password !== undefined || body.otp !== undefined || body.passkey !== undefined, {
    message: 'Give "password", or "otp" or "passkey" when you have a second factor',
  })

export const SessionIdSchema = z.uuid()

/** An id in a path or query: a positive integer that fits an integer column. */
function integerId(message: string) {
  return z
    .string()
    .regex(/^[1-9]\d{0,9}$/, message)
    .transform(Number)
    .pipe(z.number().max(2_147_483_647, message))
}

export const UserIdSchema = integerId('Must be a user id')
export const NoteIdSchema = integerId('Must be a note id')

/** `GET /api/users`: a search and the previous page's `next_cursor`. */
export const DirectoryQuerySchema = z.object({
  q: text().max(100, 'Search at most 100 characters').optional(),
  cursor: UserIdSchema.optional(),
})

/** `PATCH /api/users/{id}`: only these two fields, at least one of them. */
export const UserChangesSchema = z
  .strictObject({ disabled: z.boolean().optional(), role: z.enum(['user', 'admin']).optional() })
  .refine((body) => body.disabled !== undefined || body.role !== undefined, 'Give "disabled", "role" or both')

/** `POST /api/password-reset`: the account by its email or its username, one of the two. */
export const PasswordResetRequestSchema = z
  .strictObject({ email: EmailSchema.optional(), username: UsernameSchema.optional() })
  .refine((body) => (body.email === undefined) !== (body.username === undefined), 'Give "email" or "username", one of the two')
  .transform((body) => (body.email !== undefined ? { email: body.email } : { username: body.username! }))

// A link's token is only looked up (lib/signin/recovery.ts checks its shape first): any string that is not
// a live token is an invalid link (400), not a field error, so a damaged link says so.
const LinkTokenSchema = z.string()

/** `POST /api/password-reset/confirm`. Whether the password is the username is known once the link names the user. */
export const PasswordResetConfirmSchema = z.strictObject({ token: LinkTokenSchema, new_password: PasswordSchema })

/** `POST /api/email-verification/confirm`. */
export const EmailVerificationConfirmSchema = z.strictObject({ token: LinkTokenSchema })
