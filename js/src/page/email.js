// The email sections of the page (issue 14 §2-4), bundled into public/app.js
// with app.js:
//  - signed out: "Forgot your password?" (POST /auth/password/reset/request),
//    and "Set a new password", shown when the page is opened from a reset
//    link (#reset=<token>);
//  - links from emails: #verify-email=<token> and #confirm-email=<token> are
//    posted as soon as the page opens, and the result is said on the page;
//  - signed in: whether the address is verified (with "Resend the link"), and
//    "Change your email" (sudo mode: a link goes to the new address).
// The token is read from the #fragment (never sent to a server in a URL) and
// removed from the address bar at once. Server values reach the page through
// textContent only.

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const value = (id) => /** @type {HTMLInputElement} */ ($(id)).value;

/**
 * @typedef {object} EmailContext
 * @property {{ call: (method: string, path: string, options?: object) => Promise<any> }} client
 * @property {(button: HTMLElement, run: () => Promise<void>) => (event?: Event) => Promise<void>} action
 * @property {(text: string) => void} say
 * @property {<T>(change: () => Promise<T>) => Promise<T>} withRecentAuth
 * @property {() => Promise<void>} refreshPage
 */

/** The link the page was opened with, if any: its kind and token. Clears it from the address bar. */
function takeLink() {
  const match = /^#(reset|verify-email|confirm-email)=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (!match) return null;
  history.replaceState(null, "", location.pathname + location.search);
  return { kind: match[1], token: match[2] };
}

let resetToken = null;

/** Acts on a link from an email (call once, before the first render). */
export async function handleEmailLink(ctx) {
  const link = takeLink();
  if (!link) return;
  if (link.kind === "reset") {
    resetToken = link.token;
    $("reset-section").hidden = false;
    $("new-reset-password").focus();
    ctx.say("Choose a new password for your account.");
    return;
  }
  try {
    if (link.kind === "verify-email") {
      const { email } = await ctx.client.verifyEmail(link.token);
      ctx.say(`Your address ${email} is verified.`);
    } else {
      const { email } = await ctx.client.confirmEmailChange(link.token);
      ctx.say(`Your account's email address is now ${email}. Sign in with it from now on.`);
    }
  } catch (err) {
    ctx.showError(err);
  }
}

/** The signed-in part: the verification status and its resend button. */
export function renderEmail(me) {
  const verified = me.email_verified === true;
  $("me-email-verified").textContent = verified ? "yes" : me.email_verified === false ? "no" : "unknown (sign in again)";
  $("resend-verification").hidden = verified;
}

/** Wires the forms (call once). */
export function wireEmail(ctx) {
  // A link opened in a tab that already shows this page changes only the #fragment.
  window.addEventListener("hashchange", () => void handleEmailLink(ctx));
  const requestForm = $("reset-request-form");
  requestForm.addEventListener(
    "submit",
    ctx.action(requestForm.querySelector("button"), async () => {
      const { message } = await ctx.client.requestPasswordReset({ email: value("reset-email") });
      ctx.say(message);
      // Development: say where the email went, when this server keeps a dev mailbox.
      const dev = await ctx.client.devMailbox().then(() => true, () => false);
      $("dev-mailbox-hint").hidden = !dev;
    }),
  );

  const resetForm = $("reset-form");
  resetForm.addEventListener(
    "submit",
    ctx.action(resetForm.querySelector("button"), async () => {
      if (!resetToken) throw new Error("Open the link from the email first.");
      await ctx.client.completePasswordReset({ token: resetToken, password: value("new-reset-password") });
      resetToken = null;
      /** @type {HTMLFormElement} */ (resetForm).reset();
      $("reset-section").hidden = true;
      ctx.say("Your password was changed, and every sign-in of your account has ended. Sign in with your new password.");
    }),
  );

  const resend = $("resend-verification");
  resend.addEventListener(
    "click",
    ctx.action(resend, async () => {
      const { sent } = await ctx.client.resendVerification();
      ctx.say(sent ? "We sent a new link to your address." : "Your address is already verified.");
    }),
  );

  const changeForm = $("change-email-form");
  changeForm.addEventListener(
    "submit",
    ctx.action(changeForm.querySelector("button"), async () => {
      const { email } = await ctx.withRecentAuth(() => ctx.client.changeEmail({ email: value("change-email") }));
      /** @type {HTMLFormElement} */ (changeForm).reset();
      ctx.say(`We sent a link to ${email}. Your address changes when you open it; until then it stays ${$("me-email").textContent}.`);
    }),
  );
}
