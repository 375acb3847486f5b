/**
 * The cookie that binds a social sign-in to the browser that started it
 * (login CSRF: without it, an attacker could send a victim's browser to our
 * callback with the attacker's own code and state, signing the victim into
 * the attacker's account). It holds a random value whose SHA-256 is in the
 * state row; the callback must present it.
 *
 * `__Host-hybrid-auth-social`: Secure, Path=/, no Domain, so no sibling
 * subdomain can plant one (the refresh cookie's reasoning, browser/cookies.ts).
 * SameSite=Lax, not Strict: the callback is a top-level navigation coming
 * from the provider's site, which Strict would send without it. Lives as long
 * as the sign-in may take. On plain http://localhost, 127.0.0.1 or [::1] only
 * (development, tests), browsers refuse `__Host-`, so it is
 * `hybrid-auth-social` without Secure, as the refresh cookie does.
 */
import { isLoopbackHost } from "../http/loopback";
import type { AppContext } from "../types";

const NAME = "hybrid-auth-social";

function siteOf(c: AppContext): { name: string; secure: boolean } {
  const url = new URL(c.req.url);
  return url.protocol === "http:" && isLoopbackHost(url.hostname) ? { name: NAME, secure: false } : { name: `__Host-${NAME}`, secure: true };
}

/** Sets the binding cookie on the answer being built. */
export function setBindingCookie(c: AppContext, value: string, maxAge: number): void {
  const site = siteOf(c);
  c.header("Set-Cookie", `${site.name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly;${site.secure ? " Secure;" : ""} SameSite=Lax`, { append: true });
}

/** Deletes it (the callback spent the sign-in it bound). */
export function clearBindingCookie(c: AppContext): void {
  const site = siteOf(c);
  c.header("Set-Cookie", `${site.name}=; Path=/; Max-Age=0; HttpOnly;${site.secure ? " Secure;" : ""} SameSite=Lax`, { append: true });
}

/** The binding value this request carries: exactly one cookie of our name, 43 base64url characters; otherwise null. */
export function bindingOf(c: AppContext): string | null {
  const name = siteOf(c).name;
  const values = (c.req.header("Cookie") ?? "")
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(`${name}=`))
    .map((pair) => pair.slice(name.length + 1));
  return values.length === 1 && /^[A-Za-z0-9_-]{43}$/.test(values[0] as string) ? (values[0] as string) : null;
}
