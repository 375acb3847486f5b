/**
 * Loopback hosts: the only places where plain http is accepted (CORS origins,
 * the refresh cookie's fallback name, email links, a test email provider) and
 * where a request is known not to have crossed Cloudflare's edge. One list, so
 * every such rule agrees on what "local" means.
 */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/** `hostname` as URL.hostname gives it (IPv6 in brackets), compared case-insensitively. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.includes(hostname.toLowerCase());
}
