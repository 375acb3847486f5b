import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { decodeClientDataJSON } from "@simplewebauthn/server/helpers";
import { badRequest } from "../errors";

/**
 * Shape checks for the credential JSON that @simplewebauthn/browser posts.
 * Only the fields the verifier reads are copied out, each checked for type
 * and size, so nothing unexpected travels further; the cryptographic checks
 * are the verifier's job.
 */

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

function common(raw: unknown): { outer: Record<string, unknown>; inner: Record<string, unknown>; id: string } {
  const outer = object(raw, "response");
  const id = b64url(outer.id, "response.id", MAX_CREDENTIAL_ID);
  const rawId = b64url(outer.rawId, "response.rawId", MAX_CREDENTIAL_ID);
  if (rawId !== id) throw badRequest("invalid_field", "response.rawId must equal response.id");
  if (outer.type !== "public-key") throw badRequest("invalid_field", 'response.type must be "public-key"');
  const inner = object(outer.response, "response.response");
  return { outer, inner, id };
}

function attachment(outer: Record<string, unknown>): "platform" | "cross-platform" | undefined {
  const value = outer.authenticatorAttachment;
  return value === "platform" || value === "cross-platform" ? value : undefined;
}

export function parseRegistrationResponse(raw: unknown): RegistrationResponseJSON {
  const { outer, inner, id } = common(raw);
  const transports = Array.isArray(inner.transports)
    ? inner.transports.filter((t): t is string => typeof t === "string" && TRANSPORTS.has(t))
    : [];
  const parsed: RegistrationResponseJSON = {
    id,
    rawId: id,
    type: "public-key",
    clientExtensionResults: {},
    response: {
      clientDataJSON: b64url(inner.clientDataJSON, "response.response.clientDataJSON"),
      attestationObject: b64url(inner.attestationObject, "response.response.attestationObject"),
      transports: transports as RegistrationResponseJSON["response"]["transports"],
    },
  };
  const att = attachment(outer);
  if (att) parsed.authenticatorAttachment = att;
  return parsed;
}

export function parseAuthenticationResponse(raw: unknown): AuthenticationResponseJSON {
  const { outer, inner, id } = common(raw);
  const parsed: AuthenticationResponseJSON = {
    id,
    rawId: id,
    type: "public-key",
    clientExtensionResults: {},
    response: {
      clientDataJSON: b64url(inner.clientDataJSON, "response.response.clientDataJSON"),
      authenticatorData: b64url(inner.authenticatorData, "response.response.authenticatorData"),
      signature: b64url(inner.signature, "response.response.signature"),
    },
  };
  if (inner.userHandle !== undefined && inner.userHandle !== null) {
    parsed.response.userHandle = b64url(inner.userHandle, "response.response.userHandle", 86);
  }
  const att = attachment(outer);
  if (att) parsed.authenticatorAttachment = att;
  return parsed;
}

/** The challenge the browser signed over, read from clientDataJSON. */
export function challengeOf(response: { response: { clientDataJSON: string } }): string {
  let challenge: unknown;
  try {
    challenge = decodeClientDataJSON(response.response.clientDataJSON).challenge;
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
