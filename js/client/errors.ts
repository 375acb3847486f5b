import type { ErrorCode } from "../src/errors";

/** What the client itself can fail with, besides the server's codes. */
export type ClientErrorCode = "network_error" | "invalid_response" | "mfa_required";

/**
 * A failed call: the server's `{error: {code, message}}` with its HTTP
 * status, or a client-side failure (status 0). Branch on `code`, never on
 * `message`.
 */
export class HybridAuthError extends Error {
  override readonly name = "HybridAuthError";
  constructor(
    readonly status: number,
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    /** Seconds, from Retry-After (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/**
 * A login the server held for its second factor (the totp plugin): not a
 * failure of the server, but no tokens either. Send `ticket` with the user's
 * code to `verifyTotp` to finish signing in (before `expiresAt`).
 */
export class MfaRequiredError extends HybridAuthError {
  constructor(
    readonly ticket: string,
    /** When the ticket dies, Unix seconds. */
    readonly expiresAt: number,
  ) {
    super(200, "mfa_required", "this account has a second factor: finish signing in with verifyTotp({ ticket, code })");
  }
}

export async function errorFromResponse(response: Response): Promise<HybridAuthError> {
  const retry = Number(response.headers.get("Retry-After"));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return new HybridAuthError(response.status, "invalid_response", `HTTP ${response.status} without a JSON error`, retryAfter);
  }
  const error = typeof body === "object" && body !== null ? (body as { error?: { code?: unknown; message?: unknown } }).error : undefined;
  if (typeof error?.code !== "string") return new HybridAuthError(response.status, "invalid_response", `HTTP ${response.status} without a JSON error`, retryAfter);
  return new HybridAuthError(response.status, error.code as ErrorCode, typeof error.message === "string" ? error.message : error.code, retryAfter);
}
