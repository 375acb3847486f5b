/**
 * The email settings of optionsFromEnv (issue 14 §3-4): REQUIRE_EMAIL_VERIFICATION,
 * DEV_MAILBOX, APP_URL, and the Resend sender (RESEND_API_KEY, EMAIL_FROM,
 * RESEND_API_URL), which becomes `send` unless the base options already
 * bring one; PASSWORD_RESET_TTL and EMAIL_VERIFICATION_TTL. Errors name the variable.
 */
import { AuthConfigError } from "../options";
import { integerVar } from "../config";
import { EMAIL_TTL_SETTINGS, checkAppUrl } from "./config";
import type { EmailOptions } from "./config";
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

/**
 * The email plugin's options from the environment: `email(emailOptionsFromEnv)`,
 * or `email((env) => emailOptionsFromEnv(env, { send }))` to bring your own
 * sender (it wins over RESEND_API_KEY).
 */
export function emailOptionsFromEnv(env: object, base: EmailOptions = {}): EmailOptions {
  const vars = env as EnvRecord;
  const options: EmailOptions = { ...base };
  const require = flagVar(vars, "REQUIRE_EMAIL_VERIFICATION");
  if (require !== undefined) options.requireVerification = require;
  const dev = flagVar(vars, "DEV_MAILBOX");
  if (dev !== undefined) options.devMailbox = dev;
  const appUrl = stringVar(vars, "APP_URL");
  if (appUrl !== undefined) options.appUrl = checkAppUrl("APP_URL", appUrl) ?? undefined;
  for (const setting of Object.values(EMAIL_TTL_SETTINGS)) {
    const value = integerVar(vars, setting);
    if (value !== undefined) options[setting.path] = value;
  }

  const apiKey = stringVar(vars, "RESEND_API_KEY");
  const from = stringVar(vars, "EMAIL_FROM");
  const endpoint = stringVar(vars, "RESEND_API_URL");
  if (apiKey === undefined) {
    if (from !== undefined || endpoint !== undefined) throw new AuthConfigError("EMAIL_FROM and RESEND_API_URL need RESEND_API_KEY");
    return options;
  }
  if (from === undefined) throw new AuthConfigError("RESEND_API_KEY needs EMAIL_FROM, the sender address (e.g. \"Acme <no-reply@acme.com>\")");
  if (options.send) return options; // the adopter's own sender wins
  let sender: ReturnType<typeof httpEmailSender>;
  try {
    sender = httpEmailSender({ apiKey, from, ...(endpoint === undefined ? {} : { endpoint }) });
  } catch (err) {
    throw new AuthConfigError(`RESEND_API_URL: ${err instanceof Error ? err.message : String(err)}`);
  }
  options.send = (message) => sender(message);
  return options;
}
