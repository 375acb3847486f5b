/**
 * Rate limits for login, register and refresh: fixed windows counted in D1
 * (`rate_limits`), so every isolate shares them. One statement per check,
 * whatever the number of rules. Buckets are SHA-256 hashes: no email or IP
 * address is stored.
 *
 * Two ways of counting:
 *  - enforceRateLimits: every attempt counts (register, refresh, passkey options);
 *  - limitFailures: only failed attempts count (password login), so the
 *    owner's successful logins never use up a budget an attacker shares.
 */
import { hitRateLimits, refundRateLimits } from "../db";
import { HttpError } from "../errors";
import { normalizeEmail } from "../http/fields";
import { isLoopbackHost } from "../http/loopback";
import { sha256Hex } from "../utils/encoding";
import type { ClientIpSource, RateRule } from "../config";
import type { AppContext } from "../types";

export interface RateCheck {
  rule: RateRule | null;
  /** e.g. "login:email"; part of the bucket, so rules never share counters. */
  name: string;
  /** The normalised subject (see emailKey / ipKey); null skips the rule. */
  subject: string | null;
}

/**
 * The rate-limit identity of an email. It starts from exactly the form the
 * account lookup uses (trimmed, lower-cased), so two spellings that reach the
 * same account always share a bucket, then folds further (NFKC, all
 * whitespace removed) so that near-spellings share it too.
 */
export function emailKey(raw: string): string {
  return normalizeEmail(raw).normalize("NFKC").toLowerCase().replace(/\s+/gu, "");
}

/**
 * The bucket subject of every client whose address is unknown: no
 * CF-Connecting-IP, a header the configuration does not trust (clientIp,
 * see trustedClientIp), or a value that is not an address. They all share
 * it, so per-IP limits still apply (to all such clients together) instead of
 * silently switching off, and rotating an untrusted header escapes nothing.
 */
export const UNKNOWN_IP_KEY = "unknown-ip";

/** Logs a message once per auth instance (AuthState.logOnce). */
export type LogOnce = (key: string, log: () => void) => void;

/**
 * The rate-limit identity of a client address (CF-Connecting-IP): see
 * parseIpKey, with UNKNOWN_IP_KEY when there is none (logged once per auth instance).
 */
export function ipKey(header: string | null | undefined, logOnce: LogOnce): string {
  const key = parseIpKey(header);
  if (key !== null) return key;
  logOnce("unknown-ip", () =>
    console.warn(
      `[hybrid-auth] a request came without a usable, trusted CF-Connecting-IP header; per-IP rate limits count every such client in one shared bucket ("${UNKNOWN_IP_KEY}"). Deploy behind Cloudflare (clientIp "cloudflare") to limit per client address.`,
    ),
  );
  return UNKNOWN_IP_KEY;
}


/**
 * A client address as a bucket subject. IPv6 clients are limited per /64,
 * since one subscriber usually holds a whole /64 and can rotate through it
 * at will. null when the header is missing or not an address.
 */
export function parseIpKey(header: string | null | undefined): string | null {
  if (!header) return null;
  const ip = header.trim();
  if (/^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(ip)) return ip;
  // An IPv4-mapped IPv6 address is that IPv4 client, not a shared ::ffff:0:0/64.
  const mapped = /^::ffff:([0-9]{1,3}(\.[0-9]{1,3}){3})$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  const groups = expandIpv6(ip);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : null;
}

function expandIpv6(ip: string): string[] | null {
  if (!/^[0-9a-fA-F:.]{2,45}$/.test(ip)) return null;
  const halves = ip.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string | undefined) => (part ? part.split(":") : []);
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const last = tail.length ? tail : head;
  if (last.length && last[last.length - 1]?.includes(".")) last.splice(last.length - 1, 1, "0", "0");
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill("0"), ...tail];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""));
}

interface ActiveBucket {
  bucket: string;
  rule: RateRule;
  windowStart: number;
}

async function activeBuckets(checks: RateCheck[], now: number): Promise<ActiveBucket[]> {
  const active: ActiveBucket[] = [];
  for (const check of checks) {
    if (!check.rule || check.subject === null) continue;
    const windowStart = now - (now % check.rule.windowSeconds);
    const bucket = await sha256Hex(`${check.name}:${check.rule.max}/${check.rule.windowSeconds}:${check.subject}`);
    active.push({ bucket, rule: check.rule, windowStart });
  }
  return active;
}

/** Counts one attempt in every bucket; returns the seconds to wait if any bucket is over its limit, else 0. */
async function hit(db: D1Database, active: ActiveBucket[], now: number): Promise<number> {
  const counts = await hitRateLimits(
    db,
    active.map((a) => ({ bucket: a.bucket, windowStart: a.windowStart, windowSeconds: a.rule.windowSeconds })),
  );
  let retryAfter = 0;
  for (const a of active) {
    if ((counts.get(a.bucket) ?? 0) > a.rule.max) retryAfter = Math.max(retryAfter, a.windowStart + a.rule.windowSeconds - now);
  }
  return retryAfter;
}

function tooMany(retryAfter: number): HttpError {
  return new HttpError(429, "rate_limited", "too many attempts; retry later", { "Retry-After": String(retryAfter) });
}

/** Counts one attempt against every applicable rule; throws 429 when any is exceeded. */
export async function enforceRateLimits(db: D1Database, checks: RateCheck[], nowMs: number = Date.now()): Promise<void> {
  const now = Math.floor(nowMs / 1000);
  const active = await activeBuckets(checks, now);
  if (active.length === 0) return;
  const retryAfter = await hit(db, active, now);
  if (retryAfter > 0) throw tooMany(retryAfter);
}

/**
 * Counts one attempt against every applicable rule, like enforceRateLimits,
 * but refuses nothing: returns whether every rule is still within its limit.
 * For work done quietly after a fixed answer (password-reset emails: the
 * answer is 202 for everyone, only the sending is capped).
 */
export async function withinRateLimits(db: D1Database, checks: RateCheck[], nowMs: number = Date.now()): Promise<boolean> {
  const now = Math.floor(nowMs / 1000);
  const active = await activeBuckets(checks, now);
  if (active.length === 0) return true;
  return (await hit(db, active, now)) === 0;
}

/** What limitFailures reserved; pass it to `succeeded` when the attempt turns out good. */
export interface FailureReservation {
  /** The attempt succeeded: it does not count (its reservation is given back). */
  succeeded(): Promise<void>;
}

/**
 * Limits FAILED attempts (password login), before any expensive work.
 *
 * The attempt is counted first, atomically (one upsert with RETURNING), so
 * that N concurrent guesses cannot all pass a read-only check before any of
 * them is counted. Then:
 *  - over a limit → the reservation is given back and 429 is thrown: a
 *    refused attempt costs no password hash and uses up no budget, so
 *    guesses refused by the tight per-(email, IP) rule do not creep towards
 *    the loose per-email cap that the owner shares;
 *  - the caller checks the password and calls `succeeded()` when it was
 *    right, giving the reservation back: successes never count;
 *  - a failure keeps it.
 */
export async function limitFailures(db: D1Database, checks: RateCheck[], nowMs: number = Date.now()): Promise<FailureReservation> {
  const now = Math.floor(nowMs / 1000);
  const active = await activeBuckets(checks, now);
  if (active.length === 0) return { succeeded: async () => {} };
  // A failed give-back fails the request (503, retry): every D1 failure is
  // answered alike, and the attempt then simply stays counted.
  const refund = () => refundRateLimits(db, active.map((a) => ({ bucket: a.bucket, windowStart: a.windowStart })));
  const retryAfter = await hit(db, active, now);
  if (retryAfter > 0) {
    await refund();
    throw tooMany(retryAfter);
  }
  return { succeeded: refund };
}

/**
 * The CF-Connecting-IP of a request when the configuration trusts it there
 * (issue 19 §6, options.ts ClientIpSource), else null. Whoever sends the
 * request can write this header: only a platform that overwrites it makes it
 * an address. Cloudflare's edge does, and every request it hands a Worker
 * carries `request.cf` with the data centre (`colo`) that received it; a
 * request without that object did not come through the edge.
 */
export function trustedClientIp(source: ClientIpSource, request: Request): string | null {
  if (source === "none") return null;
  if (source === "cloudflare" && !cameThroughCloudflare(request)) return null;
  return request.headers.get("CF-Connecting-IP");
}

/**
 * `wrangler dev` fakes request.cf (colo "DFW") and keeps a CF-Connecting-IP the
 * client sent, so request.cf alone does not prove an edge: a request addressed
 * to a loopback host never crossed one either.
 */
function cameThroughCloudflare(request: Request): boolean {
  const cf: unknown = request.cf;
  if (typeof cf !== "object" || cf === null || typeof (cf as { colo?: unknown }).colo !== "string") return false;
  return !isLoopbackHost(new URL(request.url).hostname);
}


/** The per-IP rate-limit subject of a request (a trusted CF-Connecting-IP, or the shared fallback). */
export function clientIpKey(c: AppContext): string {
  const source = c.get("config").clientIp;
  const header = trustedClientIp(source, c.req.raw);
  if (header === null && source === "cloudflare" && c.req.header("CF-Connecting-IP") !== undefined) {
    c.get("auth").logOnce("untrusted-client-ip", () =>
      console.warn(
        `[hybrid-auth] a request carried CF-Connecting-IP but no request.cf, so it did not come through Cloudflare's edge and its header is not trusted: per-IP rate limits use the shared bucket ("${UNKNOWN_IP_KEY}"). Behind a proxy of yours that always sets the header, set clientIp "cf-connecting-ip" (CLIENT_IP).`,
      ),
    );
  }
  return ipKey(header, c.get("auth").logOnce);
}
