/**
 * The cookies that bind a social sign-in to the browser that started it
 * (login CSRF: without them, an attacker could send a victim's browser to our
 * callback with the attacker's own code and state, signing the victim into
 * the attacker's account). Each holds a random value whose SHA-256 is in the
 * state row; the callback must present it.
 *
 * One cookie per sign-in in flight: its name ends with a short id of the
 * state (`__Host-hybrid-auth-social-<16 hex of SHA-256(state)>`), so two
 * sign-ins started in two tabs never overwrite each other's binding, and the
 * callback reads the one cookie its state names. At most MAX_FLOWS are kept:
 * a new start clears the oldest ones beyond that (browsers send cookies of
 * one path oldest first, RFC 6265 §5.4).
 *
 * `__Host-`: Secure, Path=/, no Domain, so no sibling subdomain can plant one
 * (the refresh cookie's reasoning, browser/cookies.ts). SameSite=Lax, not
 * Strict: the callback is a top-level navigation coming from the provider's
 * site, which Strict would send without it. For a form_post provider (Apple)
 * the callback is a cross-site POST, which a Lax cookie never rides, so that
 * flow's cookie is SameSite=None (and Secure, which None requires): still
 * `__Host-`, HttpOnly, and as short-lived. Each lives as long as the sign-in
 * may take. On plain http://localhost, 127.0.0.1 or [::1] only (development,
 * tests), browsers refuse `__Host-`, so it is `hybrid-auth-social-<id>`
 * without Secure (with Secure for SameSite=None, which browsers accept on
 * loopback), as the refresh cookie does.
 */
import { isLoopbackHost } from "../http/loopback";
import type { AppContext } from "../types";
import { sha256Hex } from "../utils/encoding";

const NAME = "hybrid-auth-social-";
/** Sign-ins one browser may have in flight at once (each its own cookie). */
export const MAX_FLOWS = 5;

function prefixOf(c: AppContext): { prefix: string; loopback: boolean } {
  const url = new URL(c.req.url);
  const loopback = url.protocol === "http:" && isLoopbackHost(url.hostname);
  return { prefix: loopback ? NAME : `__Host-${NAME}`, loopback };
}

/** The cookie name of the sign-in whose state is `state`. */
async function nameOf(c: AppContext, state: string): Promise<string> {
  return `${prefixOf(c).prefix}${(await sha256Hex(state)).slice(0, 16)}`;
}

function attributes(c: AppContext, crossSitePost: boolean): string {
  const { loopback } = prefixOf(c);
  if (crossSitePost) return "HttpOnly; Secure; SameSite=None";
  return `HttpOnly;${loopback ? "" : " Secure;"} SameSite=Lax`;
}

/** The binding cookies this request carries, oldest first: [name, value]. */
function bindingCookies(c: AppContext): [string, string][] {
  const { prefix } = prefixOf(c);
  return (c.req.header("Cookie") ?? "")
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(prefix))
    .map((pair) => {
      const at = pair.indexOf("=");
      return [pair.slice(0, at), pair.slice(at + 1)] as [string, string];
    })
    .filter(([name]) => /^[0-9a-f]{16}$/.test(name.slice(prefix.length)));
}

/**
 * Sets the binding cookie of the sign-in whose state is `state` on the answer being built, and clears the
 * oldest others so that the browser keeps at most MAX_FLOWS. `crossSitePost`: the provider answers by a
 * cross-site POST (form_post).
 */
export async function setBindingCookie(c: AppContext, state: string, value: string, maxAge: number, crossSitePost: boolean): Promise<void> {
  const name = await nameOf(c, state);
  const others = [...new Set(bindingCookies(c).map(([other]) => other))].filter((other) => other !== name);
  for (const stale of others.slice(0, Math.max(0, others.length - (MAX_FLOWS - 1)))) {
    c.header("Set-Cookie", `${stale}=; Path=/; Max-Age=0; ${attributes(c, false)}`, { append: true });
  }
  c.header("Set-Cookie", `${name}=${value}; Path=/; Max-Age=${maxAge}; ${attributes(c, crossSitePost)}`, { append: true });
}

/** Deletes the binding cookie of `state` (the callback spent the sign-in it bound). */
export async function clearBindingCookie(c: AppContext, state: string, crossSitePost: boolean): Promise<void> {
  c.header("Set-Cookie", `${await nameOf(c, state)}=; Path=/; Max-Age=0; ${attributes(c, crossSitePost)}`, { append: true });
}

/** The binding value this request carries for `state`: exactly one cookie of its name, 43 base64url characters; otherwise null. */
export async function bindingOf(c: AppContext, state: string): Promise<string | null> {
  const name = await nameOf(c, state);
  const values = bindingCookies(c)
    .filter(([other]) => other === name)
    .map(([, value]) => value);
  return values.length === 1 && /^[A-Za-z0-9_-]{43}$/.test(values[0] as string) ? (values[0] as string) : null;
}
