import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

// The only reader of process.env. Parsed once, on first use (never at import, so `next build`
// can load every module without a configured environment).

/**
 * A PostgreSQL URL. Its `pgbouncer` parameter (lib/platform/db.ts) must say yes or no: anything else read as
 * "no pooler" would fail later, on every request through one.
 */
function postgresUrl() {
  return z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .refine((url) => !/[?&]pgbouncer=(?!(true|1|false|0)(&|#|$))/i.test(url), 'pgbouncer must be true or false')
    .optional()
}

/** A URL nodemailer will read as it is meant: WHATWG-parsable (else it falls back to a parser that logs the URL, password and all). */
function isSmtpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  try {
    // A stray `%` would pass here and fail every send instead.
    for (const part of [url.username, url.password]) decodeURIComponent(part)
  } catch {
    return false
  }
  return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '' && (url.pathname === '' || url.pathname === '/') && url.search === '' && url.hash === ''
}

/** Every setting the app reads, with its default; .env.example lists each (tests/unit/env-example.spec.ts). */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    NEXT_PHASE: z.string().optional(),
    VERCEL: z.string().optional(),
    DATABASE_URL: postgresUrl(),
    // The direct connection (no pooler) for `npm run db:migrate`: DDL and advisory locks need one.
    // The name Vercel's Neon integration sets.
    DATABASE_URL_UNPOOLED: postgresUrl(),
    DATA_DIR: z.string().min(1).default('.data'),
    AUTH_SECRET: z.string().optional(),
    ACCESS_TOKEN_EXPIRE_MINUTES: z.coerce.number().positive().max(24 * 60).default(30),
    REFRESH_TOKEN_EXPIRE_DAYS: z.coerce.number().positive().max(365).default(30),
    // How recent a sign-in must be for the actions that need a fresh one (docs/decisions/019-second-factor-and-step-up.md).
    REAUTH_MAX_AGE_MINUTES: z.coerce.number().positive().max(24 * 60).default(10),
    // Who must set up a second factor before anything else answers.
    MFA_REQUIRED: z.enum(['off', 'admins', 'all']).default('off'),
    BCRYPT_COST: z.coerce.number().int().min(10).max(15).default(12),
    // Server processes `npm start` runs (scripts/start.mjs checks it and starts them).
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    // Worker threads per process that run bcrypt (lib/credentials/password.ts); unset, the cores shared out
    // among the WEB_CONCURRENCY processes (at least one each).
    HASH_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
    // Their nice value on Linux (0-19). 0, the request threads' own: a flood of cheap requests
    // cannot starve sign-in. Higher lets requests go first during a login storm, and lets such a
    // flood slow every login down (docs/decisions/008-processes-and-hash-workers.md).
    HASH_NICE: z.coerce.number().int().min(0).max(19).default(0),
    // Seconds in which a just-rotated refresh token still answers with its successor (two tabs
    // refreshing at once), instead of counting as reuse.
    REFRESH_REUSE_GRACE_SECONDS: z.coerce.number().min(0).max(60).default(10),
    SIGNUP: z.enum(['open', 'closed']).default('open'),
    // info: one JSON line per authentication event (lib/platform/log.ts); error: failures only.
    LOG_LEVEL: z.enum(['info', 'error']).default('info'),
    // Who tells us the client's address: unset or 0, the connection itself; N, the N-th
    // X-Forwarded-For entry from the right (N proxies in front); `vercel`, Vercel's own header.
    TRUST_PROXY: z
      .union([z.literal('vercel'), z.coerce.number().int().min(0).max(10)])
      .optional(),
    THROTTLE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    THROTTLE_LOGIN_PER_USER: z.coerce.number().int().min(1).default(5),
    THROTTLE_LOGIN_PER_IP: z.coerce.number().int().min(1).default(50),
    THROTTLE_SIGNUP_PER_IP: z.coerce.number().int().min(1).default(20),
    // Failed personal-access-token lookups per client address per window, counted in each
    // process's memory and refused before the database is asked (lib/signin/keys.ts).
    THROTTLE_KEY_FAILURES_PER_IP: z.coerce.number().int().min(1).default(20),
    // Successful logins per account per window: bounds the bcrypt work and the sessions one
    // account's password can cause.
    THROTTLE_LOGIN_SUCCESS_PER_USER: z.coerce.number().int().min(1).default(30),
    // Ended and expired sessions (with their addresses and user agents) are deleted this long after.
    SESSION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    // Audit events are deleted this long after they happened.
    AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).default(365),
    HSTS_INCLUDE_SUBDOMAINS: z
      .enum(['0', '1', 'true', 'false'])
      .default('0')
      .transform((value) => value === '1' || value === 'true'),
    // The public address put in mailed links (never the request's Host header, which a caller
    // chooses). Required in production when mail is sent; see findProductionProblems.
    APP_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .transform((url) => url.replace(/\/+$/, ''))
      .refine((url) => new URL(url).origin === url, 'must be scheme://host[:port], with no path')
      .optional(),
    PORT: z.string().optional(),
    // Where mail goes: smtp://user:pass@host:port, or smtps:// for TLS from the start. Unset, mail
    // goes to the development outbox (DATA_DIR/outbox, the page /dev/outbox) outside production,
    // and nowhere in production.
    SMTP_URL: z.string().refine(isSmtpUrl, 'must be smtp://user:password@host:port or smtps://..., with / ? # @ : in the password percent-encoded').optional(),
    // The sender of every message: `passgate <no-reply@example.com>`. Required with SMTP_URL.
    MAIL_FROM: z.string().max(254).regex(/^[^\r\n]+$/, 'must be one line').optional(),
    // Password reset requests per client address per window.
    THROTTLE_RESET_PER_IP: z.coerce.number().int().min(1).default(10),
    // Per window and per account, for each kind of message: reset requests naming it (by the name
    // or address asked about, and by the account found), reset mails, verification mails.
    THROTTLE_MAIL_PER_ACCOUNT: z.coerce.number().int().min(1).default(3),
    // Messages one email address receives per window, whatever the accounts that name it.
    THROTTLE_MAIL_PER_ADDRESS: z.coerce.number().int().min(1).default(6),
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((value) => value.split(',').map((origin) => origin.trim()).filter((origin) => origin !== ''))
      .pipe(z.array(z.url().refine((origin) => new URL(origin).origin === origin, 'each origin must be scheme://host[:port]'))),
  })
  .refine((env) => env.SMTP_URL === undefined || env.MAIL_FROM !== undefined, { path: ['MAIL_FROM'], message: 'must be set with SMTP_URL (the sender of every message)' })

export type Env = Omit<z.infer<typeof envSchema>, 'TRUST_PROXY'> & { TRUST_PROXY: 'vercel' | number }

let cached: Env | undefined

export function getEnv(): Env {
  if (cached !== undefined) return cached
  // Empty variables (`DATABASE_URL=`) mean "unset", as in most .env tooling.
  const raw: Record<string, string | undefined> = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== ''))
  // Written out so that the bundler inlines it: `next build` makes this "production" and `next dev`
  // "development", whatever NODE_ENV says when the server starts. A production build started with
  // NODE_ENV=test or development is still production (no generated secret, no development outbox).
  // Scripts run by tsx are not bundled and read the variable.
  raw.NODE_ENV = process.env.NODE_ENV || undefined
  const parsed = envSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new Error(`Invalid configuration: ${problems.join('; ')}`)
  }
  // On Vercel the platform's header names the client, unless configured otherwise.
  cached = { ...parsed.data, TRUST_PROXY: parsed.data.TRUST_PROXY ?? (parsed.data.VERCEL !== undefined ? 'vercel' : 0) }
  return cached
}

export function isBuilding(): boolean {
  return getEnv().NEXT_PHASE === 'phase-production-build'
}

/**
 * The app's public origin: APP_URL, else (outside production) http://localhost:PORT; null in
 * production without APP_URL. Mailed links and the passkeys' relying party are built from it,
 * never from a request's Host header, which the caller chooses.
 */
export function appOrigin(): string | null {
  const env = getEnv()
  return env.APP_URL ?? (env.NODE_ENV === 'production' ? null : `http://localhost:${env.PORT ?? '3000'}`)
}

/** Where the embedded store and the development secret live (`DATA_DIR`, default `.data`). */
export function dataPath(...parts: string[]): string {
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), getEnv().DATA_DIR, ...parts)
}

const SECRET_HINT = 'Generate one with `openssl rand -base64 32` and set AUTH_SECRET.'

let secret: Uint8Array<ArrayBuffer> | undefined

/**
 * The HS256 signing key. In production it must come from AUTH_SECRET; in development an unset
 * secret is generated once into DATA_DIR so that `npm run dev` needs no setup and tokens survive
 * restarts.
 */
export function getAuthSecret(): Uint8Array<ArrayBuffer> {
  if (secret !== undefined) return secret
  const env = getEnv()
  if (env.AUTH_SECRET !== undefined) {
    secret = checkSecret(env.AUTH_SECRET)
  } else if (env.NODE_ENV === 'production') {
    throw new Error(`AUTH_SECRET is not set. ${SECRET_HINT}`)
  } else {
    secret = checkSecret(readOrCreateDevSecret())
  }
  return secret
}

function checkSecret(value: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(value)
  // RFC 7518 section 3.2: an HS256 key must be at least as long as the hash output (32 bytes).
  if (bytes.length < 32) {
    throw new Error(`AUTH_SECRET is too short (${bytes.length} bytes, at least 32 needed). ${SECRET_HINT}`)
  }
  // A long run of one or two characters passes the length check but is no secret.
  if (new Set(value).size < 8) {
    throw new Error(`AUTH_SECRET is too weak (too few distinct characters). ${SECRET_HINT}`)
  }
  return bytes
}

function readOrCreateDevSecret(): string {
  const file = dataPath('auth-secret')
  try {
    return fs.readFileSync(file, 'utf8').trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const value = randomBytes(32).toString('base64url')
  try {
    fs.writeFileSync(file, value, { flag: 'wx', mode: 0o600 })
    return value
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return fs.readFileSync(file, 'utf8').trim()
  }
}

/** Settings that would be unsafe in production, each as one line; empty when all is well. */
export function findProductionProblems(): string[] {
  const env = getEnv()
  const problems: string[] = []
  if (env.NODE_ENV === 'production') {
    try {
      getAuthSecret()
    } catch (error) {
      problems.push((error as Error).message)
    }
  }
  if (env.NODE_ENV === 'production' && env.SMTP_URL !== undefined && env.APP_URL === undefined) {
    problems.push('APP_URL is not set. Mailed links must name the public address of the app: set APP_URL (https://auth.example.com).')
  }
  if (env.VERCEL !== undefined && env.DATABASE_URL === undefined) {
    problems.push(
      'DATABASE_URL is not set. On Vercel the embedded database would lose its data: set DATABASE_URL to a PostgreSQL server.',
    )
  }
  return problems
}
