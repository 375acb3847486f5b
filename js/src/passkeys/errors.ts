import { HttpError, unauthorized } from "../errors";
import type { ErrorCode } from "../errors";

/** The passkey routes' own error codes (documented in ../errors.ts). */
export type PasskeyErrorCode = Extract<
  ErrorCode,
  "invalid_challenge" | "challenge_expired" | "passkey_verification_failed" | "passkey_counter_regressed" | "passkey_exists"
>;

export function passkeyError(
  status: 400 | 401 | 409,
  code: PasskeyErrorCode,
  message: string,
  headers: Record<string, string> = {},
): HttpError {
  return new HttpError(status, code, message, headers);
}

/** Failed passkey login: the same code as a wrong password, never saying which check failed. */
export function passkeyLoginFailed(): HttpError {
  return unauthorized("invalid_credentials", "the passkey could not be verified");
}

export function counterRegressed(): HttpError {
  // Same RFC 6750 challenge header as the other 401s of the API.
  const challenge = unauthorized("invalid_credentials", "the passkey's signature counter did not advance").headers;
  return passkeyError(401, "passkey_counter_regressed", "the passkey's signature counter did not advance", challenge);
}
