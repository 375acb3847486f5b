/**
 * The pure parts of the totp() plugin (issue 21): its options, secrets,
 * codes and tickets. No D1 here. Codes are computed by `@oslojs/otp` (RFC
 * 4226 HOTP at the RFC 6238 time step), never by hand; this file only picks
 * which time steps are acceptable, so that a used step can be refused.
 */
import { decodeBase32IgnorePadding, encodeBase32NoPadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { createTOTPKeyURI, generateHOTP } from "@oslojs/otp";
import { AuthConfigError } from "../options";
import type { RateRule } from "../options";
import { checkRule } from "../config";
import { constantTimeEqual } from "../utils/encoding";

/** RFC 6238's defaults, the only ones every authenticator app supports: 30 s, 6 digits, HMAC-SHA1. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** RFC 4226 §4 asks for at least 128 bits; 160 is SHA-1's block-friendly length most apps show. */
const SECRET_BYTES = 20;
export const RECOVERY_CODE_COUNT = 10;

export interface TotpOptions {
  /** The issuer label authenticator apps show beside the account (default "hybrid-auth"). */
  issuer?: string;
  /** Seconds a login ticket (the answer of a password login of an enrolled user) lives (default 300, at most 900). */
  ticketTtl?: number;
  /** Codes tried on one ticket before it dies (default 5). */
  maxTicketAttempts?: number;
  /** Wrong codes per user, over every ticket (default 10 per 15 minutes); null: off. */
  perUser?: RateRule | null;
}

export interface TotpConfig {
  issuer: string;
  ticketTtl: number;
  maxTicketAttempts: number;
  perUser: RateRule | null;
}

/** Checks the options once per env; throws AuthConfigError naming the option. */
export function resolveTotpOptions(options: TotpOptions): TotpConfig {
  const issuer = options.issuer ?? "hybrid-auth";
  // The label goes into the otpauth URI's path and parameter: ':' would split it, and it must be short and printable.
  if (typeof issuer !== "string" || issuer.length === 0 || issuer.length > 64 || /[:\p{Cc}]/u.test(issuer)) {
    throw new AuthConfigError("totp.issuer must be 1-64 printable characters without ':'");
  }
  const ticketTtl = options.ticketTtl ?? 300;
  if (!Number.isInteger(ticketTtl) || ticketTtl < 30 || ticketTtl > 900) throw new AuthConfigError("totp.ticketTtl must be a whole number of seconds from 30 to 900");
  const maxTicketAttempts = options.maxTicketAttempts ?? 5;
  if (!Number.isInteger(maxTicketAttempts) || maxTicketAttempts < 1 || maxTicketAttempts > 20) throw new AuthConfigError("totp.maxTicketAttempts must be a whole number from 1 to 20");
  const perUser = checkRule("totp.perUser", options.perUser, { max: 10, windowSeconds: 900 });
  return { issuer, ticketTtl, maxTicketAttempts, perUser };
}

/** The TOTP_ISSUER variable (the demo's). */
export function totpOptionsFromEnv(env: { TOTP_ISSUER?: string }): TotpOptions {
  return env.TOTP_ISSUER ? { issuer: env.TOTP_ISSUER } : {};
}

/** A new shared secret, as the base32 an authenticator app takes (what the table keeps too). */
export function newTotpSecret(): string {
  return encodeBase32NoPadding(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The otpauth:// URI of a secret (the QR code's content), labelled issuer:email. */
export function totpUri(issuer: string, accountName: string, secret: string): string {
  return createTOTPKeyURI(issuer, accountName, decodeBase32IgnorePadding(secret), TOTP_PERIOD_SECONDS, TOTP_DIGITS);
}

/** The RFC 6238 time step of a moment. */
export function timeStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/**
 * The time step `code` is right for, among the current one and one either
 * side (clock drift: RFC 6238 §5.2), skipping every step at or before
 * `lastStep` (already used: replay). null when none matches. Every candidate
 * is computed and compared in constant time, whichever matches.
 */
export function matchingStep(secret: string, code: string, nowMs: number, lastStep: number | null): number | null {
  if (!/^[0-9]{6}$/.test(code)) return null;
  const key = decodeBase32IgnorePadding(secret);
  const given = new TextEncoder().encode(code);
  const now = timeStep(nowMs);
  let found: number | null = null;
  for (const step of [now - 1, now, now + 1]) {
    const expected = new TextEncoder().encode(generateHOTP(key, BigInt(step), TOTP_DIGITS));
    const usable = lastStep === null || step > lastStep;
    if (constantTimeEqual(given, expected) && usable && found === null) found = step;
  }
  return found;
}

/** Recovery codes: 10 base32 characters (50 bits) as xxxxx-xxxxx, lower case. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const text = encodeBase32NoPadding(crypto.getRandomValues(new Uint8Array(7))).slice(0, 10).toLowerCase();
    return `${text.slice(0, 5)}-${text.slice(5)}`;
  });
}

/** What is hashed: a code as typed, without case, spaces or dashes (so "ABCDE FGHIJ" works too). */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/gu, "");
}

/** A login ticket: 32 random bytes, base64url; only its SHA-256 is stored. */
export function newTicket(): string {
  return encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
}
