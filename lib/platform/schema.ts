import { sql } from 'drizzle-orm'
import { bigint, boolean, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    username: text('username').notNull(),
    email: text('email'),
    // True once the owner opened a link mailed to `email` (lib/signin/recovery.ts); a new email clears it.
    // Only a verified email receives password reset links.
    emailVerified: boolean('email_verified').notNull().default(false),
    fullName: text('full_name'),
    hashedPassword: text('hashed_password').notNull(),
    role: text('role', { enum: ['user', 'admin'] }).notNull().default('user'),
    disabled: boolean('disabled').notNull().default(false),
    // Bumped by whatever replaces the credentials or ends everything (a new password, later a
    // reset or disabling). Sessions and device cookies record the epoch they were made under and
    // die when it moves on (docs/decisions/007-credentials-epoch.md).
    credentialsEpoch: integer('credentials_epoch').notNull().default(0),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // "alice" and "Alice" are one account: uniqueness is enforced by the database, not by a
    // check-then-insert that two concurrent sign-ups could both pass.
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    // Password reset by address looks accounts up by their email in any letter case.
    index('users_email_lower_idx').on(sql`lower(${t.email})`),
    check('users_role_check', sql`${t.role} in ('user', 'admin')`),
    // Only bcrypt hashes ($2a$, $2b$, $2y$: passlib's too) at a cost from 4 to 17. An imported
    // argon2 or sha256_crypt hash would make its user answer a fast 401 forever (a timing oracle)
    // and never sign in; a cost of 31 would keep a hash worker busy for a day per attempt.
    check('users_hashed_password_is_bcrypt', sql`${t.hashedPassword} ~ '^\\$2[aby]\\$(0[4-9]|1[0-7])\\$[./A-Za-z0-9]{53}$'`),
  ],
)

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    // Why it ended: see EndReason in lib/signin/sessions.ts.
    endReason: text('end_reason'),
    // The refresh token is derived from (id, generation) and never stored; see
    // docs/decisions/004-refresh-tokens.md. Each rotation increments the generation.
    refreshGeneration: integer('refresh_generation').notNull().default(0),
    refreshedAt: timestamp('refreshed_at', { withTimezone: true }),
    userAgent: text('user_agent'),
    ip: text('ip'),
    // The user's credentials epoch when the session began: it is usable only while they match.
    credentialsEpoch: integer('credentials_epoch').notNull().default(0),
    // When the user last proved who they are in this session (the login, or a step-up since), and
    // how (RFC 8176's amr values: pwd, otp; and recovery for a recovery code). A refresh keeps
    // both; the actions that need a fresh sign-in read auth_time (lib/signin/auth.ts).
    authTime: timestamp('auth_time', { withTimezone: true }).notNull().defaultNow(),
    amr: text('amr').array().notNull().default(sql`'{pwd}'`),
  },
  (t) => [
    index('sessions_user_id_idx').on(t.userId),
    // For deleting sessions SESSION_RETENTION_DAYS after they ended or expired.
    index('sessions_retention_idx').on(sql`coalesce(${t.endedAt}, ${t.expiresAt})`),
  ],
)

export const notes = pgTable(
  'notes',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    ownerId: integer('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    completed: boolean('completed').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('notes_owner_id_idx').on(t.ownerId)],
)

// Fixed-window counters for throttling (lib/request/rate-limit.ts). In the database, not in memory, so
// the limits hold across instances and on serverless platforms.
export const throttles = pgTable(
  'throttles',
  {
    key: text('key').primaryKey(),
    hits: integer('hits').notNull(),
    resetAt: timestamp('reset_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('throttles_reset_at_idx').on(t.resetAt)],
)

// The audit log (lib/accounts/audit.ts): one row per security event, written in the transaction of the
// change it records. Never a password, token, key or hash.
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    kind: text('kind').notNull(),
    // Who did it (an admin acting on another user), and whom it concerns; kept when a user row is
    // deleted, as null.
    actorId: integer('actor_id').references(() => users.id, { onDelete: 'set null' }),
    targetId: integer('target_id').references(() => users.id, { onDelete: 'set null' }),
    ip: text('ip'),
    userAgent: text('user_agent'),
    detail: jsonb('detail').$type<Record<string, string | number | boolean | null>>().notNull().default({}),
    // For refusals only: a hash naming the throttle window, so that a window's refusals share one
    // row (lib/accounts/audit.ts recordRefusal).
    windowKey: text('window_key'),
  },
  (t) => [
    uniqueIndex('audit_events_window_key_idx').on(t.windowKey).where(sql`${t.windowKey} is not null`),
    index('audit_events_target_id_idx').on(t.targetId, t.id),
    index('audit_events_kind_idx').on(t.kind, t.id),
    index('audit_events_at_idx').on(t.at),
  ],
)

// Personal access tokens for scripts (lib/signin/keys.ts). Only the key's SHA-256 is kept; the key itself
// is shown once (docs/decisions/010-personal-access-tokens.md). Deleting a row ends the key.
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    // 'read', or 'read' and 'write'.
    scopes: text('scopes').array().notNull(),
    // The first characters of the key (`pgk_` and 8 more), so that a user can tell keys apart.
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_key_hash_key').on(t.keyHash), index('api_keys_user_id_idx').on(t.userId)],
)

// One-time links mailed to a user, or made for them by an admin (lib/signin/recovery.ts): a password
// reset (mailed, or an admin's), or an email verification. Only the token's SHA-256 is kept; using
// a token deletes its row, and issuing one deletes the user's older ones of the same purpose.
export const recoveryTokens = pgTable(
  'recovery_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: ['password_reset', 'admin_reset', 'email_verification'] }).notNull(),
    // The address a verification link was sent to: it verifies only while the user still has it.
    email: text('email'),
    // The user's credentials epoch when a reset link was issued: a new password, disabling or an
    // admin ending every session meanwhile voids it.
    credentialsEpoch: integer('credentials_epoch'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('recovery_tokens_user_id_idx').on(t.userId, t.purpose),
    index('recovery_tokens_expires_at_idx').on(t.expiresAt),
    check('recovery_tokens_purpose_check', sql`${t.purpose} in ('password_reset', 'admin_reset', 'email_verification')`),
  ],
)

// A user's second factor (lib/accounts/second-factor.ts): one row per user who has begun setting
// one up. The TOTP secret is stored encrypted under a key derived from AUTH_SECRET, recovery codes
// only as keyed hashes (lib/credentials/totp.ts).
export const secondFactors = pgTable('second_factors', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  // The confirmed secret, required at sign-in while set.
  totpSecret: text('totp_secret'),
  totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
  // A secret shown for a set-up that no code has confirmed yet.
  totpPending: text('totp_pending'),
  // The highest time step whose code was accepted: that step and every earlier one are refused.
  totpLastStep: bigint('totp_last_step', { mode: 'number' }).notNull().default(0),
  recoveryCodes: text('recovery_codes').array().notNull().default(sql`'{}'`),
  recoveryCodesAt: timestamp('recovery_codes_at', { withTimezone: true }),
})

// Sign-ins waiting for their second step (lib/signin/mfa.ts): the password was right, a code is
// still owed. Only the mfa_token's SHA-256 is kept; the token is single use, lives minutes, and
// dies with the credentials epoch it was issued under.
export const mfaChallenges = pgTable(
  'mfa_challenges',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    credentialsEpoch: integer('credentials_epoch').notNull(),
    // Whether the password step came from a browser with the account's device cookie.
    knownDevice: boolean('known_device').notNull().default(false),
    failures: integer('failures').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('mfa_challenges_user_id_idx').on(t.userId), index('mfa_challenges_expires_at_idx').on(t.expiresAt)],
)

// A user's passkeys (lib/accounts/passkeys.ts): WebAuthn credentials. Only the public key and what
// the user's list shows are kept; no attestation. A passkey signs in on its own, and is a second
// factor after a password (docs/decisions/020-passkeys.md).
export const passkeys = pgTable(
  'passkeys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // The authenticator's credential id (base64url): one authenticator is registered once, by one user.
    credentialId: text('credential_id').notNull(),
    // The COSE public key, base64url.
    publicKey: text('public_key').notNull(),
    // The signature counter last seen: an answer whose counter is not above it is refused (a copy).
    counter: bigint('counter', { mode: 'number' }).notNull().default(0),
    transports: text('transports').array().notNull().default(sql`'{}'`),
    // The authenticator's backup flags: a synced passkey (a password manager, a platform keychain)
    // is backed up; one that cannot be is bound to its device.
    backupEligible: boolean('backup_eligible').notNull().default(false),
    backedUp: boolean('backed_up').notNull().default(false),
    name: text('name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('passkeys_credential_id_key').on(t.credentialId), index('passkeys_user_id_idx').on(t.userId)],
)

// WebAuthn ceremonies under way (lib/signin/passkeys.ts): the challenge's SHA-256, what it was
// begun for (and by whom), for 5 minutes. In the database, so any instance finishes a ceremony
// another began; deleted when an answer arrives, right or wrong, so each is used once.
export const webauthnChallenges = pgTable(
  'webauthn_challenges',
  {
    challengeHash: text('challenge_hash').primaryKey(),
    // registration, sign_in (no user yet), second_step (after a password: user_id), reauth (session_id).
    purpose: text('purpose', { enum: ['registration', 'sign_in', 'second_step', 'reauth'] }).notNull(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    sessionId: uuid('session_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('webauthn_challenges_expires_at_idx').on(t.expiresAt),
    check('webauthn_challenges_purpose_check', sql`${t.purpose} in ('registration', 'sign_in', 'second_step', 'reauth')`),
  ],
)
