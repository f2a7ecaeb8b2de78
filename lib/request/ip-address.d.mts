/** One canonical form per client address (see ip-address.mjs), or null for anything that is not one. */
export function normalizeIp(raw: string): string | null
