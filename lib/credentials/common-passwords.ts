import { dictionary } from '@zxcvbn-ts/language-common'

// The 49,233 most common passwords of zxcvbn-ts's common dictionary (MIT; compiled from public
// breach corpora), lower-cased for a case-insensitive match. Server-only: it is 370 KB.
const common = new Set((dictionary['passwords-common'] as string[]).map((password) => password.toLowerCase()))

export const COMMON_PASSWORD_COUNT = common.size

// NIST SP 800-63B 3.1.1.2, OWASP ASVS 5.0 V6.2.4: refuse commonly used passwords.
export function isCommonPassword(password: string): boolean {
  return common.has(password.toLowerCase())
}
