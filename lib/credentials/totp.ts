import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomInt } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'
import { derivedKey } from './tokens'

// The second factor's codes: time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits, 30 s,
// one step of clock drift either way), the secrets they come from, kept encrypted, and recovery
// codes, kept as keyed hashes. Checking either costs a few HMACs, no bcrypt.

const ISSUER = 'passgate'
const PERIOD = 30

function totp(secretBase32: string, label = ''): TOTP {
  return new TOTP({ issuer: ISSUER, label, secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: 6, period: PERIOD })
}

/** A new random secret (160 bits, as RFC 4226 recommends), in base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

/** The otpauth:// URI an authenticator app reads from a QR code. */
export function totpUri(secretBase32: string, username: string): string {
  return totp(secretBase32, username).toString()
}

/** The code at `at`. */
export function totpCode(secretBase32: string, at: Date): string {
  return totp(secretBase32).generate({ timestamp: at.getTime() })
}

/** The time step `code` belongs to, within one step of `at`; null when it matches none. */
export function matchTotp(secretBase32: string, code: string, at: Date): number | null {
  const token = code.replace(/\s/g, '')
  if (!/^\d{6}$/.test(token)) return null
  const delta = totp(secretBase32).validate({ token, timestamp: at.getTime(), window: 1 })
  return delta === null ? null : Math.floor(at.getTime() / 1000 / PERIOD) + delta
}

/** True for what looks like a TOTP code rather than a recovery code. */
export function looksLikeTotp(code: string): boolean {
  return /^\d{6}$/.test(code.replace(/\s/g, ''))
}

// Secrets are stored encrypted (AES-256-GCM under a key derived from AUTH_SECRET, bound to the
// user's id): a database dump alone does not give the codes away, and a row copied onto another
// user does not decrypt. A new AUTH_SECRET makes every stored secret unreadable.

const secretKey = () => derivedKey('passgate totp secret v1')

export function encryptSecret(secretBase32: string, userId: number): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', secretKey(), iv)
  cipher.setAAD(Buffer.from(`user:${userId}`))
  const sealed = Buffer.concat([cipher.update(secretBase32, 'utf8'), cipher.final(), cipher.getAuthTag()])
  return `v1.${iv.toString('base64url')}.${sealed.toString('base64url')}`
}

/** The secret, or null when it was not sealed for this user under this AUTH_SECRET. */
export function decryptSecret(stored: string, userId: number): string | null {
  const [version, iv, sealed] = stored.split('.')
  if (version !== 'v1' || iv === undefined || sealed === undefined) return null
  try {
    const bytes = Buffer.from(sealed, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', secretKey(), Buffer.from(iv, 'base64url'))
    decipher.setAAD(Buffer.from(`user:${userId}`))
    decipher.setAuthTag(bytes.subarray(-16))
    return Buffer.concat([decipher.update(bytes.subarray(0, -16)), decipher.final()]).toString('utf8')
  } catch {
    return null
  }
}

// Recovery codes: 10 single-use codes of 10 characters from 31 that cannot be confused with each
// other (about 50 bits each), shown as `xxxxx-xxxxx`. Only an HMAC of each is kept, keyed from
// AUTH_SECRET and bound to the user: a dump alone cannot be searched for them.

export const RECOVERY_CODES = 10
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODES }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')
    return `${chars.slice(0, 5)}-${chars.slice(5)}`
  })
}

/** A recovery code as typed (any case, with or without the hyphen and spaces), or null if it cannot be one. */
export function normalizeRecoveryCode(typed: string): string | null {
  const code = typed.toLowerCase().replace(/[\s-]/g, '')
  return code.length === 10 && [...code].every((char) => ALPHABET.includes(char)) ? code : null
}

export function hashRecoveryCode(code: string, userId: number): string {
  return createHmac('sha256', derivedKey('passgate recovery code v1')).update(`${userId}:${normalizeRecoveryCode(code) ?? ''}`).digest('base64url')
}
