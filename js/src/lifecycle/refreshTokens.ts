import { base64ToBytes, bytesToBase64 } from "../utils/encoding";

/** 256 random bits, base64url without padding: 43 characters. */
export function newRefreshToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return bytesToBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The only shape a refresh token of ours can have; anything else is refused without a query. */
export function isRefreshTokenShape(token: string): boolean {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return false;
  // The last character carries 2 padding bits that must be zero (canonical encoding).
  const bytes = base64ToBytes(`${token.replace(/-/g, "+").replace(/_/g, "/")}=`);
  return bytes !== null && bytes.byteLength === 32 && newCanonical(bytes) === token;
}

function newCanonical(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * When a refresh family (a login) stops refreshing: REFRESH_FAMILY_MAX_AGE
 * after it began. Rotation caps each new token's expiry here, so an
 * undetected stolen refresh token dies with its login at the latest.
 */
export function familyDeadline(familyCreatedAt: number, maxAgeSeconds: number): number {
  return familyCreatedAt + maxAgeSeconds;
}
