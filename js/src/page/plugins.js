// Which parts of the page the server offers (issue 20). The server mounts a
// core plus plugins (passkeys, email, sessions, usage) and says which in
// GET /auth/plugins; the page asks once at start, hides the sections and
// buttons of every plugin it does not mount, and the other modules ask
// mounted(id) before calling a plugin's routes (which would answer 404).
// If the question itself fails, the page behaves as before plugins existed:
// everything shown (a plugin's own calls then fail as they always did).
// Bundled into public/app.js with app.js.

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** The section a heading titles (sections without an id of their own). */
const sectionOf = (headingId) => /** @type {HTMLElement} */ ($(headingId).closest("section"));

/** The ids the server mounts; null while unknown or when GET /auth/plugins failed (then everything counts as mounted). */
let mountedIds = null;

/** Whether the page may show plugin `id`'s parts and call its routes. */
export function mounted(id) {
  return mountedIds === null || mountedIds.has(id);
}

/** Each plugin's parts of the page (the routes behind them: js/src/plugins/<id>.ts). */
const PARTS = {
  passkeys: () => [
    $("passkey-login"),
    $("passkey-unsupported"),
    /** @type {HTMLElement} */ (sectionOf("signin-heading").querySelector("p.or")),
    $("reauth-passkey"),
    sectionOf("passkeys-heading"),
  ],
  email: () => {
    // The "Email verified" row: without the plugin nothing can verify an address.
    const verified = /** @type {HTMLElement} */ ($("me-email-verified").closest("dd"));
    return [
      sectionOf("forgot-heading"),
      $("reset-section"),
      $("dev-mailbox-hint"),
      verified,
      /** @type {HTMLElement} */ (verified.previousElementSibling),
      $("resend-verification"),
      sectionOf("change-email-heading"),
    ];
  },
  sessions: () => [sectionOf("sessions-heading")],
  usage: () => [$("dashboard")],
  // The code prompts (#mfa-form, #reauth-mfa-form) stay hidden unless a login is held, which needs the plugin.
  totp: () => [sectionOf("totp-heading")],
  social: () => [$("social-login"), sectionOf("social-heading")],
};

/**
 * Asks the server which plugins it mounts (once, at start) and hides the
 * parts of the others. Never throws: a failure is logged and changes nothing.
 * Marks <html data-plugins="..."> with the ids shown ("unknown" after a
 * failure), so a test or a stylesheet can tell the answer has been applied.
 */
export async function loadPlugins(client) {
  try {
    const { plugins } = await client.plugins();
    mountedIds = new Set(plugins.map((plugin) => plugin.id));
  } catch (err) {
    mountedIds = null;
    console.warn("GET /auth/plugins failed; the page shows every feature.", err);
  }
  for (const [id, parts] of Object.entries(PARTS)) {
    if (mounted(id)) continue;
    for (const part of parts()) part.hidden = true;
  }
  document.documentElement.dataset.plugins = mountedIds === null ? "unknown" : [...mountedIds].join(" ");
}
