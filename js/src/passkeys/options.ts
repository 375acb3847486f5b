import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import type { PasskeyConfig } from "./config";

/**
 * The option objects that @simplewebauthn/browser's startRegistration() and
 * startAuthentication() take ({optionsJSON}): the WebAuthn L3 JSON forms of
 * PublicKeyCredentialCreationOptions / RequestOptions. Field for field what
 * @simplewebauthn/server 14 generated before, so the page did not change.
 */

export interface RegistrationOptionsJSON {
  challenge: string;
  rp: { name: string; id: string };
  user: { id: string; name: string; displayName: string };
  pubKeyCredParams: Array<{ alg: number; type: "public-key" }>;
  timeout: number;
  attestation: "none";
  excludeCredentials: Array<{ id: string; transports: string[]; type: "public-key" }>;
  authenticatorSelection: { residentKey: "required"; requireResidentKey: true; userVerification: "required" | "preferred" };
  extensions: { credProps: true };
  hints: string[];
}

export interface AuthenticationOptionsJSON {
  rpId: string;
  challenge: string;
  timeout: number;
  userVerification: "required" | "preferred";
}

/**
 * The COSE algorithms offered, in @simplewebauthn/server's order: EdDSA
 * (Ed25519), ES256 (P-256), RS256. Exactly the ones ./signature.ts verifies.
 * Plain numbers here, so the options routes load no crypto code.
 */
export const OFFERED_ALGORITHMS = [-8, -7, -257] as const;

/** 32 random bytes, base64url without padding (43 characters). */
export function newChallenge(): string {
  return encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
}

function userVerification(rp: PasskeyConfig): "required" | "preferred" {
  return rp.requireUserVerification ? "required" : "preferred";
}

/**
 * Asks for a discoverable credential (so it can log in without an email),
 * attestation "none" (nothing here would check a certificate chain), and one
 * of the algorithms ./signature.ts verifies.
 */
export function registrationOptions(
  rp: PasskeyConfig,
  user: { id: string; email: string; name: string },
  existing: Array<{ credentialId: string; transports: string[] }>,
  challenge: string,
): RegistrationOptionsJSON {
  return {
    challenge,
    rp: { name: rp.rpName, id: rp.rpId },
    // The user handle is the opaque user id (no personal data), so a
    // discoverable login can name its user.
    user: { id: encodeBase64urlNoPadding(new TextEncoder().encode(user.id)), name: user.email, displayName: user.name },
    pubKeyCredParams: OFFERED_ALGORITHMS.map((alg) => ({ alg, type: "public-key" as const })),
    timeout: rp.challengeTtl * 1000,
    attestation: "none",
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports, type: "public-key" as const })),
    authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: userVerification(rp) },
    extensions: { credProps: true },
    hints: [],
  };
}

/** Discoverable-credential login: no allowCredentials, so the authenticator offers what it holds for this RP ID. */
export function authenticationOptions(rp: PasskeyConfig, challenge: string): AuthenticationOptionsJSON {
  return { rpId: rp.rpId, challenge, timeout: rp.challengeTtl * 1000, userVerification: userVerification(rp) };
}
