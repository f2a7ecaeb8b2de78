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

export const FullNameSchema = text()
  .max(100, 'Full name must be at most 100 characters')
  .refine((value) => !/\p{Cc}/u.test(value), 'Full name must not contain control characters')

const isNotUsername = (password: string, username: string): boolean => password.toLowerCase() !== username.toLowerCase()
const NOT_USERNAME = 'Password must not be the username'

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

// Only these two fields; anything else (role, username, disabled) is refused rather than ignored.
export const ProfileSchema = z.strictObject({ email: EmailSchema.nullish(), full_name: FullNameSchema.nullish() })

// The password grant's form (RFC 6749 section 4.3.2). Credentials are only checked for shape here:
// a login never says which rule a stored password breaks.
export const PasswordGrantSchema = z.object({
  username: text().min(1).max(256),
  password: text().min(1).max(1024),
})

// RFC 6749 section 6. The token's own shape is checked by lib/tokens.ts.
export const RefreshGrantSchema = z.object({ refresh_token: text().min(1).max(256) })

export const SessionIdSchema = z.uuid()

/** A user id in a path or query: a positive integer that fits the column. */
export const UserIdSchema = z
  .string()
  .regex(/^[1-9]\d{0,9}$/, 'Must be a user id')
  .transform(Number)
  .pipe(z.number().max(2_147_483_647, 'Must be a user id'))

/** `GET /api/users`: a search and the previous page's `next_cursor`. */
export const DirectoryQuerySchema = z.object({
  q: text().max(100, 'Search at most 100 characters').optional(),
  cursor: UserIdSchema.optional(),
})

/** `PATCH /api/users/{id}`: only these two fields, at least one of them. */
export const UserChangesSchema = z
  .strictObject({ disabled: z.boolean().optional(), role: z.enum(['user', 'admin']).optional() })
  .refine((body) => body.disabled !== undefined || body.role !== undefined, 'Give "disabled", "role" or both')
