// The email sections of the page (issue 14 §2-4), bundled into public/app.js
// with app.js:
//  - signed out: "Forgot your password?" (POST /auth/password/reset/request),
//    and "Set a new password", shown when the page is opened from a reset
//    link (#reset=<token>);
//  - links from emails: #verify-email=<token> and #confirm-email=<token> show
//    a section with one button; the token is posted only when it is clicked
//    (never on page load: a mail scanner or a prefetch that opens the link
//    must not act on it), and the result is said on the page. Proving an
//    address ends every sign-in of the account (server side), so the page
//    then shows the signed-out view;
//  - signed in: whether the address is verified (with "Resend the link"), and
//    "Change your email" (sudo mode: a link goes to the new address).
// The token is read from the #fragment (never sent to a server in a URL) and
// removed from the address bar at once. Server values reach the page through
// textContent only.

import { mounted } from "./plugins.js";

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
/** The verify/confirm link waiting for its button: { kind, token }. */
let pendingLink = null;

const LINK_TEXT = {
  "verify-email": {
    heading: "Confirm your email address",
    text: "You opened a link to confirm the email address of an account. Confirming signs that account out everywhere, and removes passkeys added before the address was confirmed: you then sign in again.",
    button: "Confirm this address",
  },
  "confirm-email": {
    heading: "Confirm your new email address",
    text: "You opened a link to make this address the email address of an account. Confirming signs that account out everywhere and removes its passkeys: you then sign in with the new address and add your passkeys again.",
    button: "Use this address",
  },
};

/** The section that asks for the click, made once (the page's HTML stays as it is). */
function linkSection() {
  let section = document.getElementById("email-link-section");
  if (section) return section;
  section = document.createElement("section");
  section.id = "email-link-section";
  section.setAttribute("aria-labelledby", "email-link-heading");
  section.hidden = true;
  const heading = document.createElement("h2");
  heading.id = "email-link-heading";
  const text = document.createElement("p");
  text.id = "email-link-text";
  const button = document.createElement("button");
  button.id = "email-link-button";
  button.type = "button";
  section.append(heading, text, button);
  // Outside both views: a link can be opened in a tab that is signed in or not.
  const signedOut = $("signed-out");
  signedOut.parentNode.insertBefore(section, signedOut);
  return section;
}

/** Acts on a link from an email (call once, before the first render): shows what it would do, does nothing yet. */
export async function handleEmailLink(ctx) {
  // No email plugin on this server: a link from an email is not this server's to act on.
  if (!mounted("email")) return;
  const link = takeLink();
  if (!link) return;
  if (link.kind === "reset") {
    resetToken = link.token;
    $("reset-section").hidden = false;
    $("new-reset-password").focus();
    ctx.say("Choose a new password for your account.");
    return;
  }
  pendingLink = link;
  const copy = LINK_TEXT[link.kind];
  const section = linkSection();
  $("email-link-heading").textContent = copy.heading;
  $("email-link-text").textContent = copy.text;
  $("email-link-button").textContent = copy.button;
  section.hidden = false;
  $("email-link-button").focus();
}

/** The click on the link section's button: the only place a verify/confirm token is posted. */
async function submitLink(ctx) {
  const link = pendingLink;
  if (!link) throw new Error("Open the link from the email first.");
  const message =
    link.kind === "verify-email"
      ? `Your address ${(await ctx.client.verifyEmail(link.token)).email} is verified. Every sign-in of the account has ended: sign in again.`
      : `Your account's email address is now ${(await ctx.client.confirmEmailChange(link.token)).email}. Every sign-in of the account has ended: sign in with it.`;
  pendingLink = null;
  linkSection().hidden = true;
  // The server ended the account's logins: if this tab held one, re-rendering finds it over and shows the signed-out view.
  await ctx.refreshPage();
  ctx.say(message);
}

/** The signed-in part: the verification status and its resend button. */
export function renderEmail(me) {
  const verified = me.email_verified === true;
  $("me-email-verified").textContent = verified ? "yes" : me.email_verified === false ? "no" : "unknown (sign in again)";
  $("resend-verification").hidden = verified || !mounted("email");
}

/** Wires the forms (call once). */
export function wireEmail(ctx) {
  // A link opened in a tab that already shows this page changes only the #fragment.
  window.addEventListener("hashchange", () => void handleEmailLink(ctx));
  const linkButton = linkSection().querySelector("button");
  linkButton.addEventListener("click", ctx.action(linkButton, () => submitLink(ctx)));
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
