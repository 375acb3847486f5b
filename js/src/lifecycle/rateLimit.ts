/**
 * Rate limits for login, register and refresh: fixed windows counted in D1
 * (`rate_limits`), so every isolate shares them. One statement per check,
 * whatever the number of rules. Buckets are SHA-256 hashes: no email or IP
 * address is stored.
 */
import { hitRateLimits } from "../db";
import { HttpError } from "../errors";
import { normalizeEmail } from "../http/fields";
import { sha256Hex } from "../utils/encoding";
import type { RateRule } from "../config";

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
 * The rate-limit identity of a client address (CF-Connecting-IP). IPv6
 * clients are limited per /64, since one subscriber usually holds a whole
 * /64 and can rotate through it at will. null when the header is missing or
 * not an address (then only the per-email rule applies).
 */
export function ipKey(header: string | null | undefined): string | null {
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

/** Counts one attempt against every applicable rule; throws 429 when any is exceeded. */
export async function enforceRateLimits(db: D1Database, checks: RateCheck[], nowMs: number = Date.now()): Promise<void> {
  const now = Math.floor(nowMs / 1000);
  const active: { bucket: string; rule: RateRule; windowStart: number }[] = [];
  for (const check of checks) {
    if (!check.rule || check.subject === null) continue;
    const windowStart = now - (now % check.rule.windowSeconds);
    const bucket = await sha256Hex(`${check.name}:${check.rule.max}/${check.rule.windowSeconds}:${check.subject}`);
    active.push({ bucket, rule: check.rule, windowStart });
  }
  if (active.length === 0) return;
  const counts = await hitRateLimits(
    db,
    active.map((a) => ({ bucket: a.bucket, windowStart: a.windowStart, windowSeconds: a.rule.windowSeconds })),
  );
  let retryAfter = 0;
  for (const a of active) {
    if ((counts.get(a.bucket) ?? 0) > a.rule.max) retryAfter = Math.max(retryAfter, a.windowStart + a.rule.windowSeconds - now);
  }
  if (retryAfter > 0) {
    throw new HttpError(429, "rate_limited", "too many attempts; retry later", { "Retry-After": String(retryAfter) });
  }
}
