// The account sections of the page (issue 14): "Your sign-ins" (a table of
// the user's logins with a revoke button per row, and "sign out everywhere
// else"), "Change password", and, for admins, the phase-2 dashboard: a chart
// of JWT, session and failed authentications per day drawn as SVG from
// GET /auth/usage, the clients still on session tokens, and the phase-3
// readiness verdict. Bundled into public/app.js with app.js, which calls
// renderAccount() after each sign-in and wireAccount() once.
//
// Every value from the server reaches the page through textContent or an
// attribute, never as markup.

import { mounted } from "./plugins.js";

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const SVG = "http://www.w3.org/2000/svg";

/**
 * @typedef {object} AccountContext
 * @property {{ call: (method: string, path: string, options?: object) => Promise<any> }} client
 * @property {(button: HTMLElement, run: () => Promise<void>) => (event?: Event) => Promise<void>} action
 * @property {(text: string, ariaLabel: string, run: () => Promise<void>) => HTMLButtonElement} actionButton
 * @property {(text: string) => void} say
 * @property {<T>(change: () => Promise<T>) => Promise<T>} withRecentAuth
 * @property {(seconds: number | null) => string} formatTime
 */

/** Everything the signed-in page shows from this module: the parts of the plugins the server mounts. */
export async function renderAccount(ctx) {
  if (mounted("sessions")) await renderSessions(ctx);
  if (mounted("usage")) await renderDashboard(ctx);
}

function place(location) {
  if (!location) return "unknown";
  return [location.city, location.region, location.country].filter((part) => part).join(", ");
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
  return td;
}

async function renderSessions(ctx) {
  const { sessions } = await ctx.client.sessions();
  const body = $("sessions-body");
  body.replaceChildren();
  for (const login of sessions) {
    const row = document.createElement("tr");
    row.dataset.id = login.id;
    if (login.current) row.className = "current";
    const device = login.user_agent ?? "unknown";
    cell(row, login.current ? `${device} (this device)` : device);
    cell(row, place(login.location));
    cell(row, ctx.formatTime(login.created_at));
    cell(row, ctx.formatTime(login.last_used_at));
    cell(row, `${ctx.formatTime(login.expires_at)}${login.remember ? "" : " (not remembered)"}`);
    const actions = cell(row, "");
    if (!login.current) {
      const revoke = ctx.actionButton("Revoke", `Revoke the sign-in from ${device}, ${place(login.location)}, signed in ${ctx.formatTime(login.created_at)}`, async () => {
        await ctx.client.revokeSession(login.id);
        await renderSessions(ctx);
        ctx.say(`The sign-in from ${device} was revoked.`);
      });
      actions.append(revoke);
    }
    body.append(row);
  }
  $("revoke-others").hidden = sessions.filter((login) => !login.current).length === 0;
}

/** Draws the dashboard when the user is an admin; hides it otherwise. */
async function renderDashboard(ctx) {
  const section = $("dashboard");
  let report;
  try {
    report = await ctx.client.usage({ days: 14 });
  } catch (err) {
    if (err && err.status === 403) {
      section.hidden = true;
      return;
    }
    throw err;
  }
  section.hidden = false;
  drawChart($("usage-chart"), report.series);
  const verdict = $("phase3-statement");
  verdict.textContent = report.phase3.statement;
  verdict.className = report.phase3.ready ? "phase3 ready" : "phase3 not-ready";
  verdict.dataset.ready = String(report.phase3.ready);
  $("legacy-jwt-statement").textContent = legacyJwtStatement(report.legacy_jwt, ctx.formatTime);
  const clients = $("session-clients-body");
  clients.replaceChildren();
  for (const client of report.session_clients) {
    const row = document.createElement("tr");
    cell(row, client.client);
    cell(row, String(client.count));
    cell(row, ctx.formatTime(client.last_seen));
    clients.append(row);
  }
  $("no-session-clients").hidden = report.session_clients.length > 0;
}

/**
 * Seed-era JWTs (no typ/iss/aud) accepted under ACCEPT_LEGACY_JWT in the period:
 * the operator turns the option off once none was seen for an access-token lifetime.
 */
export function legacyJwtStatement(legacy, formatTime) {
  if (!legacy.accepted) return `Not accepted (ACCEPT_LEGACY_JWT is off). ${legacy.count} accepted in this period.`;
  if (legacy.count === 0) return "Accepted (ACCEPT_LEGACY_JWT is on); none was used in this period. Turn it off once none has been used for an access-token lifetime.";
  return `Accepted (ACCEPT_LEGACY_JWT is on): ${legacy.count} used in this period, the latest at ${formatTime(legacy.last_seen)}.`;
}

/** The kinds the chart shows, in bar order, with their colours (SVG attributes: the CSP allows no inline styles). */
export const CHART_KINDS = [
  { kind: "jwt", label: "JWT", color: "#0b5cad" },
  { kind: "session", label: "Session token", color: "#d97706" },
  { kind: "failed", label: "Failed", color: "#b00020" },
];

/** Plot geometry, in SVG user units. */
export const CHART = { width: 640, height: 240, top: 16, bottom: 36, left: 44, right: 8 };

function svg(name, attributes, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  parent?.append(node);
  return node;
}

/**
 * A grouped bar chart: one group per day (oldest left), one bar per kind.
 * Each bar carries data-day, data-kind and data-value, and its height is
 * value / max of the plot height, so what is drawn can be checked against
 * the JSON it came from.
 */
export function drawChart(container, series) {
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const max = Math.max(1, ...series.flatMap((point) => CHART_KINDS.map(({ kind }) => point[kind])));
  const chart = svg("svg", { viewBox: `0 0 ${CHART.width} ${CHART.height}`, role: "img", "data-max": max, class: "chart" });
  const total = (kind) => series.reduce((sum, point) => sum + point[kind], 0);
  const summary = CHART_KINDS.map(({ kind, label }) => `${total(kind)} ${label}`).join(", ");
  svg("title", {}, chart).textContent = `Authentications per day over ${series.length} days: ${summary}`;
  const baseline = CHART.top + plotHeight;
  svg("line", { x1: CHART.left, x2: CHART.width - CHART.right, y1: baseline, y2: baseline, stroke: "currentColor", "stroke-width": 1 }, chart);
  const axis = svg("text", { x: CHART.left - 6, y: CHART.top + 4, "text-anchor": "end", "font-size": 11, fill: "currentColor" }, chart);
  axis.textContent = String(max);
  svg("text", { x: CHART.left - 6, y: baseline, "text-anchor": "end", "font-size": 11, fill: "currentColor" }, chart).textContent = "0";
  const group = plotWidth / Math.max(1, series.length);
  const bar = (group * 0.8) / CHART_KINDS.length;
  series.forEach((point, index) => {
    const x0 = CHART.left + index * group + group * 0.1;
    CHART_KINDS.forEach(({ kind, label, color }, k) => {
      const height = (point[kind] / max) * plotHeight;
      const rect = svg(
        "rect",
        { x: x0 + k * bar, y: baseline - height, width: Math.max(1, bar - 1), height, fill: color, class: `bar bar-${kind}`, "data-day": point.day, "data-kind": kind, "data-value": point[kind] },
        chart,
      );
      svg("title", {}, rect).textContent = `${point.day}: ${point[kind]} ${label}`;
    });
    // A date under every group when there is room, else under every third.
    if (series.length <= 10 || index % 3 === 0) {
      const labelX = x0 + (bar * CHART_KINDS.length) / 2;
      svg("text", { x: labelX, y: CHART.height - 18, "text-anchor": "middle", "font-size": 10, fill: "currentColor" }, chart).textContent = point.day.slice(5);
    }
  });
  const legend = svg("g", { class: "legend" }, chart);
  CHART_KINDS.forEach(({ label, color }, k) => {
    svg("rect", { x: CHART.left + k * 130, y: CHART.height - 10, width: 10, height: 10, fill: color }, legend);
    svg("text", { x: CHART.left + k * 130 + 14, y: CHART.height - 1, "font-size": 11, fill: "currentColor" }, legend).textContent = label;
  });
  container.replaceChildren(chart);
}

/** Wires the account forms and buttons (once). */
export function wireAccount(ctx) {
  const others = $("revoke-others");
  others.addEventListener(
    "click",
    ctx.action(others, async () => {
      const { revoked } = await ctx.client.revokeOtherSessions();
      await renderSessions(ctx);
      ctx.say(revoked === 1 ? "1 other sign-in was ended." : `${revoked} other sign-ins were ended.`);
    }),
  );

  const form = /** @type {HTMLFormElement} */ ($("change-password-form"));
  form.addEventListener(
    "submit",
    ctx.action(form.querySelector("button"), async () => {
      const field = (id) => /** @type {HTMLInputElement} */ ($(id));
      const body = {
        current_password: field("current-password").value,
        new_password: field("new-password").value,
        revoke_other_logins: field("revoke-on-change").checked,
      };
      // Sudo mode: a stale sign-in is asked to confirm first, then the change runs again.
      const { ended } = await ctx.withRecentAuth(() => ctx.client.changePassword(body));
      form.reset();
      if (mounted("sessions")) await renderSessions(ctx);
      ctx.say(ended.length === 0 ? "Password changed." : `Password changed. ${ended.length} other sign-in${ended.length === 1 ? " was" : "s were"} ended.`);
    }),
  );
}
