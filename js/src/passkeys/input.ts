import { decodeBase64urlIgnorePadding } from "@oslojs/encoding";
import { badRequest } from "../errors";
import type { JsonSchema } from "../http/schema";

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
const TRANSPORTS = /* @__PURE__ */ new Set(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);
/** The user's name for a passkey (api/requests.ts): 1..64 characters after trimming, no controls. */
export const MAX_LABEL_LENGTH = 64;
/** Largest base64url field of a credential (the 16 KiB body limit comes first anyway). */
const MAX_FIELD = 16 * 1024;
/** A user handle is at most 64 bytes: 86 base64url characters. */
const MAX_USER_HANDLE = 86;

/** base64url, as the parser below checks it (`b64url`). */
function b64urlSchema(maxLength: number, description: string): JsonSchema {
  return { type: "string", pattern: B64URL.source, minLength: 1, maxLength, description };
}

function credentialSchema(kind: string, inner: Record<string, JsonSchema>, required: string[]): JsonSchema {
  return {
    type: "object",
    description: `what @simplewebauthn/browser's ${kind}() resolved to (rawId must equal id)`,
    required: ["id", "rawId", "type", "response"],
    properties: {
      id: b64urlSchema(MAX_CREDENTIAL_ID, "credential ID"),
      rawId: b64urlSchema(MAX_CREDENTIAL_ID, "the same credential ID"),
      type: { const: "public-key" },
      response: { type: "object", required, properties: inner },
    },
  };
}

/** JSON Schema of what parseRegistrationResponse accepts (for the OpenAPI document), from the same constants. */
export const REGISTRATION_RESPONSE_SCHEMA: JsonSchema = /* @__PURE__ */ credentialSchema(
  "startRegistration",
  {
    clientDataJSON: b64urlSchema(MAX_FIELD, "client data JSON"),
    attestationObject: b64urlSchema(MAX_FIELD, "attestation object"),
    transports: { type: "array", items: { type: "string" }, description: `unknown values are dropped; known: ${[...TRANSPORTS].join(", ")}` },
  },
  ["clientDataJSON", "attestationObject"],
);

/** JSON Schema of what parseAuthenticationResponse accepts. */
export const AUTHENTICATION_RESPONSE_SCHEMA: JsonSchema = /* @__PURE__ */ credentialSchema(
  "startAuthentication",
  {
    clientDataJSON: b64urlSchema(MAX_FIELD, "client data JSON"),
    authenticatorData: b64urlSchema(MAX_FIELD, "authenticator data"),
    signature: b64urlSchema(MAX_FIELD, "signature"),
    userHandle: { anyOf: [b64urlSchema(MAX_USER_HANDLE, "user handle"), { type: "null" }] },
  },
  ["clientDataJSON", "authenticatorData", "signature"],
);

function object(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) throw badRequest("missing_field", `${field} is required`);
  if (typeof value !== "object" || Array.isArray(value)) throw badRequest("invalid_field", `${field} must be an object`);
  return value as Record<string, unknown>;
}

function b64url(value: unknown, field: string, max = MAX_FIELD): string {
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
    parsed.userHandle = b64url(inner.userHandle, "response.response.userHandle", MAX_USER_HANDLE);
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
