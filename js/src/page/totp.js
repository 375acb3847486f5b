// The second factor's parts of the page (issue 21; only when the server mounts
// the totp plugin): the "Two-factor authentication" section of the account
// (status, set up with the secret and its otpauth:// URI, confirm with a code,
// the recovery codes shown once, new recovery codes, turn off), and the code
// prompt that finishes a password login the server held (MfaRequiredError),
// used by the sign-in form and by the re-authentication box.
// Bundled into public/app.js with app.js.
//
// The QR code of the otpauth:// URI is drawn by `uqr` (unjs; a dev dependency: it is
// bundled into the demo page only, never into the package), as an SVG in an <img>
// (a data: URL, so nothing of it runs as markup in the page).

import { renderSVG } from "uqr";
import { HybridAuthError, MfaRequiredError } from "../../client/index";

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** The body part verifyTotp wants for what the user typed: 6 digits are a code, anything else a recovery code. */
export function secondFactorAnswer(typed) {
  const text = typed.trim();
  return /^[0-9]{6}$/.test(text) ? { code: text } : { recovery_code: text };
}

/**
 * Runs `signIn` (a password login on `target`); when the server holds it for
 * the second factor, shows `formId`'s code prompt until a code finishes it.
 * A wrong code is shown and the prompt stays; a dead ticket (expired, too many
 * attempts) or Cancel ends it with an error. Resolves with the login answer.
 */
export async function withSecondFactor(target, signIn, { formId, inputId, cancelId, showError }) {
  try {
    return await signIn();
  } catch (err) {
    if (!(err instanceof MfaRequiredError)) throw err;
    const form = /** @type {HTMLFormElement} */ ($(formId));
    const input = /** @type {HTMLInputElement} */ ($(inputId));
    form.hidden = false;
    input.value = "";
    input.focus();
    try {
      for (;;) {
        const typed = await nextAnswer(form, cancelId ? $(cancelId) : null);
        try {
          return await target.verifyTotp({ ticket: err.ticket, ...secondFactorAnswer(typed) });
        } catch (wrong) {
          // invalid_token: the ticket is dead; signing in starts again from the password.
          if (!(wrong instanceof HybridAuthError) || wrong.code === "invalid_token" || wrong.status === 429) throw wrong;
          showError(wrong);
          input.value = "";
          input.focus();
        }
      }
    } finally {
      form.hidden = true;
      input.value = "";
    }
  }
}

/** Resolves with the input's value at the form's next submit; rejects on the cancel button. */
function nextAnswer(form, cancel) {
  return new Promise((resolve, reject) => {
    const listeners = new AbortController();
    form.addEventListener(
      "submit",
      (event) => {
        event.preventDefault();
        listeners.abort();
        resolve(/** @type {HTMLInputElement} */ (form.querySelector("input")).value);
      },
      { signal: listeners.signal },
    );
    cancel?.addEventListener(
      "click",
      () => {
        listeners.abort();
        reject(new Error("Cancelled: the sign-in was not finished."));
      },
      { signal: listeners.signal },
    );
  });
}

/** The secret in groups of four, easier to type. */
export function groupSecret(secret) {
  return (secret.match(/.{1,4}/g) ?? []).join(" ");
}

function showRecoveryCodes(codes) {
  const list = $("totp-recovery-codes");
  list.replaceChildren(
    ...codes.map((code) => {
      const item = document.createElement("li");
      const text = document.createElement("code");
      text.textContent = code;
      item.append(text);
      return item;
    }),
  );
  $("totp-codes").hidden = false;
}

/** The section's status line and buttons, from GET /auth/totp. */
export async function renderTotp(ctx) {
  const { enabled, recovery_codes_left: left } = await ctx.client.totpStatus();
  $("totp-status").textContent = enabled
    ? `On: signing in with your password also asks for a code from your authenticator app. ${left} recovery code${left === 1 ? "" : "s"} left.`
    : "Off: your password alone signs you in.";
  $("totp-setup").hidden = enabled;
  $("totp-regenerate").hidden = !enabled;
  $("totp-disable").hidden = !enabled;
  if (enabled) $("totp-enrol").hidden = true;
  // Recovery codes are shown once, right after they are made (showRecoveryCodes), never on a later render.
  $("totp-codes").hidden = true;
  $("totp-recovery-codes").replaceChildren();
}

/** Wires the section's buttons and form (once). */
export function wireTotp(ctx) {
  const setup = $("totp-setup");
  setup.addEventListener(
    "click",
    ctx.action(setup, async () => {
      const { secret, uri } = await ctx.withRecentAuth(() => ctx.client.enrollTotp());
      $("totp-secret").textContent = groupSecret(secret);
      const link = /** @type {HTMLAnchorElement} */ ($("totp-uri"));
      link.href = uri;
      link.textContent = uri;
      const qr = /** @type {HTMLImageElement} */ ($("totp-qr"));
      qr.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSVG(uri, { border: 2 }))}`;
      $("totp-enrol").hidden = false;
      $("totp-codes").hidden = true;
      /** @type {HTMLInputElement} */ ($("totp-confirm-code")).focus();
      ctx.say("Add the key to your authenticator app, then enter the code it shows.");
    }),
  );

  const form = /** @type {HTMLFormElement} */ ($("totp-confirm-form"));
  form.addEventListener(
    "submit",
    ctx.action(form.querySelector("button"), async () => {
      const code = /** @type {HTMLInputElement} */ ($("totp-confirm-code")).value.trim();
      const { recovery_codes: codes } = await ctx.withRecentAuth(() => ctx.client.confirmTotp(code));
      form.reset();
      $("totp-enrol").hidden = true;
      await renderTotp(ctx);
      showRecoveryCodes(codes);
      ctx.say("Two-factor authentication is on. Save your recovery codes now: they are not shown again.");
    }),
  );

  const regenerate = $("totp-regenerate");
  regenerate.addEventListener(
    "click",
    ctx.action(regenerate, async () => {
      const { recovery_codes: codes } = await ctx.withRecentAuth(() => ctx.client.regenerateRecoveryCodes());
      await renderTotp(ctx);
      showRecoveryCodes(codes);
      ctx.say("New recovery codes: the old ones no longer work.");
    }),
  );

  const disable = $("totp-disable");
  disable.addEventListener(
    "click",
    ctx.action(disable, async () => {
      await ctx.withRecentAuth(() => ctx.client.disableTotp());
      await renderTotp(ctx);
      ctx.say("Two-factor authentication is off.");
    }),
  );
}
