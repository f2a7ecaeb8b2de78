/** Loads the `.env*` files as `next dev` (dev true) or `next start` does; the names of those read (see env-files.mjs). */
export function loadEnvFiles(dev: boolean): string[]
