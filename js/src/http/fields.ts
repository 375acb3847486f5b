import { badRequest } from "../errors";

/**
 * Field validation for the auth bodies. Each check throws a 400 naming the
 * field, with `missing_field` for absent/null and `invalid_field` otherwise.
 */

export const LIMITS = {
  emailMaxLength: 254, // RFC 5321 path limit
  nameMaxLength: 100,
  passwordMinLength: 8,
  passwordMaxLength: 1024, // PBKDF2 pre-hashes long keys, but there is no reason to accept megabytes
} as const;

// C0/C1 controls and the Unicode line/paragraph separators: never legitimate
// in a name or an email, and a source of log-injection bugs.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) throw badRequest("missing_field", `${field} is required`);
  if (typeof value !== "string") throw badRequest("invalid_field", `${field} must be a string`);
  return value;
}

/** Length in code points, so an emoji counts as one character, not two. */
function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Emails are compared and stored trimmed and lower-cased. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

export function validEmail(raw: string): string {
  const email = normalizeEmail(raw);
  if (email.length === 0) throw badRequest("invalid_field", "email must not be empty");
  if (email.length > LIMITS.emailMaxLength) {
    throw badRequest("invalid_field", `email must be at most ${LIMITS.emailMaxLength} characters`);
  }
  // Deliberately loose: one @, something before it, a dotted domain after it,
  // no whitespace or controls. Deliverability is for a confirmation mail.
  if (CONTROL.test(email) || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw badRequest("invalid_field", "email is not a valid address");
  }
  return email;
}

export function validName(raw: string): string {
  const name = raw.trim();
  const length = charLength(name);
  if (length < 1 || length > LIMITS.nameMaxLength) {
    throw badRequest("invalid_field", `name must be 1 to ${LIMITS.nameMaxLength} characters`);
  }
  if (CONTROL.test(name)) throw badRequest("invalid_field", "name must not contain control characters");
  return name;
}

/** Passwords are used exactly as given: no trimming, no normalisation. */
export function validNewPassword(password: string): string {
  const length = charLength(password);
  if (length < LIMITS.passwordMinLength || length > LIMITS.passwordMaxLength) {
    throw badRequest(
      "invalid_field",
      `password must be ${LIMITS.passwordMinLength} to ${LIMITS.passwordMaxLength} characters`,
    );
  }
  return password;
}

/**
 * At login only the upper bounds are enforced (to bound the work); a short
 * password simply fails to match, like any other wrong password.
 */
export function boundedLoginInput(normalizedEmail: string, password: string): void {
  if (normalizedEmail.length > LIMITS.emailMaxLength) throw badRequest("invalid_field", "email is too long");
  if (charLength(password) > LIMITS.passwordMaxLength) throw badRequest("invalid_field", "password is too long");
}
