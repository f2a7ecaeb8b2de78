import { expect, test } from '@playwright/test'
import { matchTotp, normalizeRecoveryCode, totpCode } from '../../lib/credentials/totp'

// The second factor's codes with a fixed clock: RFC 6238's own test vectors, the window of one
// step either way, and recovery codes as people type them.

// RFC 6238 appendix B: the SHA-1 key is the ASCII "12345678901234567890", here in base32 as
// authenticator apps take it. The RFC lists 8-digit values; a 6-digit code is their last six
// digits (RFC 4226 section 5.3).
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'
const RFC_VECTORS: [seconds: number, eightDigits: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
]

const at = (seconds: number) => new Date(seconds * 1000)
const stepOf = (seconds: number) => Math.floor(seconds / 30)

test.describe('TOTP (RFC 6238, SHA-1, 6 digits, 30 s)', () => {
  for (const [seconds, eightDigits] of RFC_VECTORS) {
    test(`the code at ${seconds} s is ${eightDigits.slice(2)}, and matches its own time step`, () => {
      const code = eightDigits.slice(2)
      expect(totpCode(RFC_SECRET, at(seconds))).toBe(code)
      expect(matchTotp(RFC_SECRET, code, at(seconds))).toBe(stepOf(seconds))
    })
  }

  test('a code matches one step of drift either way, and no further', () => {
    const seconds = 1234567890
    const code = totpCode(RFC_SECRET, at(seconds))
    // Seen from the step before and the step after, the same code names the same step.
    expect(matchTotp(RFC_SECRET, code, at(seconds - 30))).toBe(stepOf(seconds))
    expect(matchTotp(RFC_SECRET, code, at(seconds + 30))).toBe(stepOf(seconds))
    expect(matchTotp(RFC_SECRET, code, at(seconds - 60))).toBeNull()
    expect(matchTotp(RFC_SECRET, code, at(seconds + 60))).toBeNull()
  })

  test('spaces in a code are ignored; anything but six digits matches nothing', () => {
    const seconds = 1111111111
    expect(matchTotp(RFC_SECRET, '050 471', at(seconds))).toBe(stepOf(seconds))
    expect(matchTotp(RFC_SECRET, ' 050471 ', at(seconds))).toBe(stepOf(seconds))
    for (const typed of ['14050471', '50471', '05047a', '', '050471\u0000', '５０４７１']) {
      expect(matchTotp(RFC_SECRET, typed, at(seconds)), JSON.stringify(typed)).toBeNull()
    }
    // Another secret's code at the same moment is not this one's.
    expect(matchTotp('JBSWY3DPEHPK3PXP', '050471', at(seconds))).toBeNull()
  })
})

test.describe('recovery codes as typed', () => {
  test('any letter case, with or without the hyphen and spaces, is the same code', () => {
    const code = 'k7mpq-3rtw9'
    const normalized = normalizeRecoveryCode(code)
    expect(normalized).not.toBeNull()
    for (const typed of ['K7MPQ-3RTW9', 'k7mpq3rtw9', 'K7mPq 3rTw9', ' k7mpq - 3rtw9 ', 'k7 mp q3 rt w9']) {
      expect(normalizeRecoveryCode(typed), typed).toBe(normalized)
    }
    expect(normalizeRecoveryCode('k7mpq-3rtw8')).not.toBe(normalized)
  })

  test('a code of the wrong length is none', () => {
    for (const typed of ['', 'k7mpq', 'k7mpq-3rtw', 'k7mpq-3rtw9a', 'k7mpq-3rtw9-k7mpq']) {
      expect(normalizeRecoveryCode(typed), typed).toBeNull()
    }
  })
})
