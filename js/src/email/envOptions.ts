/**
 * The email settings of optionsFromEnv (issue 14 §3-4): REQUIRE_EMAIL_VERIFICATION,
 * DEV_MAILBOX, APP_URL, and the Resend sender (RESEND_API_KEY, EMAIL_FROM,
 * RESEND_API_URL), which becomes `hooks.sendEmail` unless the base options
 * already bring one. Errors name the variable.
 */
import { AuthConfigError } from "../options";
import type { AuthOptions } from "../options";
import { checkAppUrl } from "./config";
import { httpEmailSender } from "./httpSender";

type EnvRecord = Record<string, unknown>;

/** "on" | "off" (also "true" | "false"); unset or "" → undefined. */
function flagVar(vars: EnvRecord, name: string): boolean | undefined {
  const raw = vars[name];
  if (raw === undefined || raw === "") return undefined;
  if (raw === "on" || raw === "true") return true;
  if (raw === "off" || raw === "false") return false;
  throw new AuthConfigError(`${name} must be "on" or "off", got ${JSON.stringify(String(raw))}`);
}

function stringVar(vars: EnvRecord, name: string): string | undefined {
  const raw = vars[name];
  if (raw === undefined || raw === "") return undefined;
  if (typeof raw !== "string") throw new AuthConfigError(`${name} must be a string`);
  return raw;
}

export function applyEmailEnv<E>(vars: EnvRecord, options: AuthOptions<E>): void {
  const require = flagVar(vars, "REQUIRE_EMAIL_VERIFICATION");
  if (require !== undefined) options.requireEmailVerification = require;
  const dev = flagVar(vars, "DEV_MAILBOX");
  if (dev !== undefined) options.devMailbox = dev;
  const appUrl = stringVar(vars, "APP_URL");
  if (appUrl !== undefined) options.appUrl = checkAppUrl("APP_URL", appUrl) ?? undefined;

  const apiKey = stringVar(vars, "RESEND_API_KEY");
  const from = stringVar(vars, "EMAIL_FROM");
  const endpoint = stringVar(vars, "RESEND_API_URL");
  if (apiKey === undefined) {
    if (from !== undefined || endpoint !== undefined) throw new AuthConfigError("EMAIL_FROM and RESEND_API_URL need RESEND_API_KEY");
    return;
  }
  if (from === undefined) throw new AuthConfigError("RESEND_API_KEY needs EMAIL_FROM, the sender address (e.g. \"Acme <no-reply@acme.com>\")");
  if (options.hooks?.sendEmail) return; // the adopter's own sender wins
  let sender: ReturnType<typeof httpEmailSender>;
  try {
    sender = httpEmailSender({ apiKey, from, ...(endpoint === undefined ? {} : { endpoint }) });
  } catch (err) {
    throw new AuthConfigError(`RESEND_API_URL: ${err instanceof Error ? err.message : String(err)}`);
  }
  options.hooks = { ...options.hooks, sendEmail: (message) => sender(message) };
}
