import { decodeCBORToNativeValue, decodeCBORToNativeValueNoLeftoverBytes } from "@oslojs/cbor";
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import {
  AttestationStatementFormat,
  ClientDataType,
  COSEPublicKey,
  createAssertionSignatureMessage,
  parseAttestationObject,
  parseAuthenticatorData,
  parseClientDataJSON,
} from "@oslojs/webauthn";
import type { AuthenticatorData } from "@oslojs/webauthn";
import type { AuthenticationInput, RegistrationInput } from "./input";
import { importCoseKey, verifySignature } from "./signature";

/**
 * The WebAuthn ceremony checks (WebAuthn L2 §7.1 registration, §7.2
 * authentication) for a relying party that asks for attestation "none".
 * Parsing of clientDataJSON, authenticator data, the attestation object and
 * COSE keys is @oslojs/webauthn's; signatures are checked by ./signature.ts.
 * Every failure throws VerificationError with a reason; the routes decide
 * what the client is told.
 */
export class VerificationError extends Error {
  override readonly name = "VerificationError";
}

export interface Expected {
  /** base64url, as issued in the options and stored in webauthn_challenges. */
  challenge: string;
  origins: string[];
  rpId: string;
  requireUserVerification: boolean;
}

export interface VerifiedRegistration {
  credentialId: string;
  /** base64url COSE_Key, exactly the bytes the authenticator sent. */
  publicKey: string;
  counter: number;
  deviceType: "singleDevice" | "multiDevice";
  backedUp: boolean;
}

// Flag bits of authenticator data (WebAuthn §6.1) that @oslojs/webauthn does not expose.
const FLAGS_OFFSET = 32;
const FLAG_BACKUP_ELIGIBLE = 0x08;
const FLAG_BACKED_UP = 0x10;
// Attested credential data starts after rpIdHash (32), flags (1), signCount (4),
// AAGUID (16) and the credential ID length (2), then the ID, then the COSE key.
const CREDENTIAL_ID_OFFSET = 55;
/** WebAuthn L3 caps credential IDs at 1023 bytes. */
const MAX_CREDENTIAL_ID_BYTES = 1023;

function fail(reason: string): never {
  throw new VerificationError(reason);
}

function bytesOf(b64url: string, what: string): Uint8Array {
  try {
    return decodeBase64urlIgnorePadding(b64url);
  } catch {
    return fail(`${what} is not base64url`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** §7.1 steps 7-12 / §7.2 steps 11-16: type, challenge and origin of the client data. */
function checkClientData(clientDataJSON: Uint8Array, type: ClientDataType, expected: Expected): void {
  let clientData;
  try {
    clientData = parseClientDataJSON(clientDataJSON);
  } catch (err) {
    return fail(err instanceof Error ? err.message : "invalid client data");
  }
  if (clientData.type !== type) fail(`client data type is not ${type === ClientDataType.Create ? "webauthn.create" : "webauthn.get"}`);
  if (!sameBytes(clientData.challenge, bytesOf(expected.challenge, "expected challenge"))) fail("unexpected challenge");
  if (!expected.origins.includes(clientData.origin)) fail(`unexpected origin ${JSON.stringify(clientData.origin.slice(0, 200))}`);
}

/** §7.1 steps 13-16 / §7.2 steps 17-19: RP ID hash, user present, user verified if required. */
function checkAuthenticatorData(authData: AuthenticatorData, expected: Expected): void {
  if (!authData.verifyRelyingPartyIdHash(expected.rpId)) fail("unexpected RP ID hash");
  if (!authData.userPresent) fail("user was not present");
  if (expected.requireUserVerification && !authData.userVerified) fail("user verification was required but not performed");
}

export async function verifyRegistration(input: RegistrationInput, expected: Expected): Promise<VerifiedRegistration> {
  const clientDataJSON = bytesOf(input.clientDataJSON, "clientDataJSON");
  checkClientData(clientDataJSON, ClientDataType.Create, expected);

  const attestationObject = bytesOf(input.attestationObject, "attestationObject");
  let attestation;
  try {
    attestation = parseAttestationObject(attestationObject);
  } catch (err) {
    return fail(err instanceof Error ? err.message : "invalid attestation object");
  }
  const { authenticatorData, attestationStatement } = attestation;
  const authDataBytes = rawAuthData(attestationObject);
  checkAuthenticatorData(authenticatorData, expected);
  const credential = authenticatorData.credential ?? fail("no attested credential data");
  if (credential.id.length > MAX_CREDENTIAL_ID_BYTES) fail("credential ID is too long");
  const credentialId = encodeBase64urlNoPadding(credential.id);
  if (credentialId !== input.id) fail("credential ID does not match the response's id");

  let key;
  try {
    key = await importCoseKey(credential.publicKey);
  } catch (err) {
    return fail(err instanceof Error ? err.message : "unusable public key");
  }

  // Attestation "none" was asked for, so no statement is trusted. A "none"
  // statement must be empty; a packed self attestation (no certificates) is
  // checked against the credential's own key, as §8.2 says. Statements with
  // certificate chains would need X.509 parsing and trust anchors this
  // relying party does not have, so they are refused rather than ignored.
  if (attestationStatement.format === AttestationStatementFormat.None) {
    if (Object.keys(attestationStatement.decoded).length !== 0) fail('a "none" attestation statement must be empty');
  } else if (attestationStatement.format === AttestationStatementFormat.Packed) {
    let packed;
    try {
      packed = attestationStatement.packed();
    } catch (err) {
      return fail(err instanceof Error ? err.message : "invalid packed attestation statement");
    }
    if (packed.certificates !== null) fail("attestation with a certificate chain is not supported (this relying party asks for none)");
    if (packed.algorithm !== credential.publicKey.algorithm()) fail("self attestation algorithm differs from the credential's");
    // §8.2 signs authenticatorData || SHA-256(clientDataJSON), the same bytes as an assertion.
    const signed = createAssertionSignatureMessage(authDataBytes, clientDataJSON);
    if (!(await verifySignature(key, signed, packed.signature))) fail("self attestation signature is invalid");
  } else {
    fail("attestation formats other than none and packed self attestation are not supported (this relying party asks for none)");
  }

  const flags = authDataBytes[FLAGS_OFFSET] ?? 0;
  const backupEligible = (flags & FLAG_BACKUP_ELIGIBLE) !== 0;
  const backedUp = (flags & FLAG_BACKED_UP) !== 0;
  if (backedUp && !backupEligible) fail("authenticator data says backed up but not backup eligible");

  return {
    credentialId,
    publicKey: encodeBase64urlNoPadding(coseKeyBytes(authDataBytes, credential.id.length)),
    counter: authenticatorData.signatureCounter,
    deviceType: backupEligible ? "multiDevice" : "singleDevice",
    backedUp,
  };
}

/**
 * The authData bytes of an attestation object that parseAttestationObject
 * has accepted: a self attestation signs them, and the COSE key is cut from
 * them, but the parsed form does not keep them.
 */
function rawAuthData(attestationObject: Uint8Array): Uint8Array {
  const decoded = decodeCBORToNativeValueNoLeftoverBytes(attestationObject, 4);
  const authData = typeof decoded === "object" && decoded !== null && "authData" in decoded ? decoded.authData : null;
  return authData instanceof Uint8Array ? authData : fail("no authenticator data");
}

/**
 * @oslojs/webauthn decodes the credential's COSE key but keeps no bytes.
 * The stored form (the same as rows written by @simplewebauthn/server) is
 * the COSE_Key exactly as sent, so its length is taken from the CBOR decoder.
 */
function coseKeyBytes(authData: Uint8Array, credentialIdLength: number): Uint8Array {
  const start = CREDENTIAL_ID_OFFSET + credentialIdLength;
  const [, size] = decodeCBORToNativeValue(authData.subarray(start), 4);
  return authData.slice(start, start + size);
}

/**
 * §7.2: checks an assertion against the stored COSE key and returns the
 * authenticator's new signature counter. The counter rule itself is applied
 * by the caller, against the database, as a compare-and-set.
 */
export async function verifyAssertion(input: AuthenticationInput, storedPublicKey: string, expected: Expected): Promise<{ counter: number; userVerified: boolean }> {
  const clientDataJSON = bytesOf(input.clientDataJSON, "clientDataJSON");
  checkClientData(clientDataJSON, ClientDataType.Get, expected);
  const authDataBytes = bytesOf(input.authenticatorData, "authenticatorData");
  let authData;
  try {
    authData = parseAuthenticatorData(authDataBytes);
  } catch (err) {
    return fail(err instanceof Error ? err.message : "invalid authenticator data");
  }
  checkAuthenticatorData(authData, expected);

  let key;
  try {
    const decoded = decodeCBORToNativeValueNoLeftoverBytes(bytesOf(storedPublicKey, "stored public key"), 4);
    if (typeof decoded !== "object" || decoded === null) throw new Error("stored public key is not a COSE map");
    key = await importCoseKey(new COSEPublicKey(decoded));
  } catch (err) {
    return fail(err instanceof Error ? err.message : "unusable stored public key");
  }
  const signed = createAssertionSignatureMessage(authDataBytes, clientDataJSON);
  if (!(await verifySignature(key, signed, bytesOf(input.signature, "signature")))) fail("signature is invalid");
  // userVerified: the UV flag, for a second factor's hook (a verified passkey counts as two factors).
  return { counter: authData.signatureCounter, userVerified: authData.userVerified };
}
