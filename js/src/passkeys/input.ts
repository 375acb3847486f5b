import { decodeBase64urlIgnorePadding } from "@oslojs/encoding";
import { badRequest } from "../errors";

/**
 * Shape checks for the credential JSON that @simplewebauthn/browser posts.
 * Only the fields the verifier reads are copied out, each checked for type
 * and size, so nothing unexpected travels further; the cryptographic checks
 * are ./verify.ts's job.
 */

/** A registration response (startRegistration()'s result), base64url fields still encoded. */
export interface RegistrationInput {
  id: string;
  clientDataJSON: string;
  attestationObject: string;
  transports: string[];
}

/** An authentication response (startAuthentication()'s result). */
export interface AuthenticationInput {
  id: string;
  clientDataJSON: string;
  authenticatorData: string;
  signature: string;
  /** base64url user handle, when the authenticator returned one. */
  userHandle?: string;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
/** Credential IDs are at most 1023 bytes (WebAuthn L3), so 1364 base64url characters. */
const MAX_CREDENTIAL_ID = 1364;
const TRANSPORTS = new Set(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
export const MAX_LABEL_LENGTH = 64;

function object(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) throw badRequest("missing_field", `${field} is required`);
  if (typeof value !== "object" || Array.isArray(value)) throw badRequest("invalid_field", `${field} must be an object`);
  return value as Record<string, unknown>;
}

function b64url(value: unknown, field: string, max = 16 * 1024): string {
  if (value === undefined || value === null) throw badRequest("missing_field", `${field} is required`);
  if (typeof value !== "string" || value.length === 0 || value.length > max || !B64URL.test(value)) {
    throw badRequest("invalid_field", `${field} must be a non-empty base64url string`);
  }
  return value;
}

function common(raw: unknown): { inner: Record<string, unknown>; id: string } {
  const outer = object(raw, "response");
  const id = b64url(outer.id, "response.id", MAX_CREDENTIAL_ID);
  const rawId = b64url(outer.rawId, "response.rawId", MAX_CREDENTIAL_ID);
  if (rawId !== id) throw badRequest("invalid_field", "response.rawId must equal response.id");
  if (outer.type !== "public-key") throw badRequest("invalid_field", 'response.type must be "public-key"');
  const inner = object(outer.response, "response.response");
  return { inner, id };
}

export function parseRegistrationResponse(raw: unknown): RegistrationInput {
  const { inner, id } = common(raw);
  const transports = Array.isArray(inner.transports)
    ? inner.transports.filter((t): t is string => typeof t === "string" && TRANSPORTS.has(t))
    : [];
  return {
    id,
    clientDataJSON: b64url(inner.clientDataJSON, "response.response.clientDataJSON"),
    attestationObject: b64url(inner.attestationObject, "response.response.attestationObject"),
    transports,
  };
}

export function parseAuthenticationResponse(raw: unknown): AuthenticationInput {
  const { inner, id } = common(raw);
  const parsed: AuthenticationInput = {
    id,
    clientDataJSON: b64url(inner.clientDataJSON, "response.response.clientDataJSON"),
    authenticatorData: b64url(inner.authenticatorData, "response.response.authenticatorData"),
    signature: b64url(inner.signature, "response.response.signature"),
  };
  if (inner.userHandle !== undefined && inner.userHandle !== null) {
    parsed.userHandle = b64url(inner.userHandle, "response.response.userHandle", 86);
  }
  return parsed;
}

/**
 * The challenge the browser signed over, read from clientDataJSON, so the
 * route can spend it before any verification. Only this field is read
 * here; ./verify.ts parses the whole client data later.
 */
export function challengeOf(response: { clientDataJSON: string }): string {
  let challenge: unknown;
  try {
    const json: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(decodeBase64urlIgnorePadding(response.clientDataJSON)));
    challenge = typeof json === "object" && json !== null ? (json as Record<string, unknown>).challenge : undefined;
  } catch {
    throw badRequest("invalid_field", "response.response.clientDataJSON is not base64url JSON");
  }
  if (typeof challenge !== "string" || challenge.length === 0 || challenge.length > 512 || !B64URL.test(challenge)) {
    throw badRequest("invalid_field", "clientDataJSON has no valid challenge");
  }
  return challenge;
}

/** The user's name for a passkey: 1..64 characters after trimming, no controls. Absent: "Passkey". */
export function parseLabel(value: unknown): string {
  if (value === undefined || value === null) return "Passkey";
  if (typeof value !== "string") throw badRequest("invalid_field", "label must be a string");
  const label = value.trim();
  const length = [...label].length;
  if (length < 1 || length > MAX_LABEL_LENGTH) {
    throw badRequest("invalid_field", `label must be 1 to ${MAX_LABEL_LENGTH} characters`);
  }
  if (CONTROL.test(label)) throw badRequest("invalid_field", "label must not contain control characters");
  return label;
}
