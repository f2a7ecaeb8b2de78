import { defineConfig } from 'drizzle-kit'

// `drizzle-kit generate` needs no database. Migrations are applied by `npm run db:migrate`
// (scripts/migrate.ts), which also serves the embedded store and respects its lock.
export default defineConfig({
  dialect: 'postgresql',
  schema: './lib/platform/schema.ts',
  out: './drizzle',
  strict: true,
})
