ALTER TABLE "sessions" ADD COLUMN "credentials_epoch" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "credentials_epoch" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "sessions_retention_idx" ON "sessions" USING btree (coalesce("ended_at", "expires_at"));--> statement-breakpoint
-- NOT VALID: rows imported before this check keep their hash (their users cannot sign in until
-- the password is set again); every row written from now on must be bcrypt.
ALTER TABLE "users" ADD CONSTRAINT "users_hashed_password_is_bcrypt" CHECK ("users"."hashed_password" ~ '^\$2[aby]\$(0[4-9]|1[0-7])\$[./A-Za-z0-9]{53}$') NOT VALID;