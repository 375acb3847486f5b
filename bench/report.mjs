#!/usr/bin/env node
// Builds BENCHMARKS.md and bench/chart.svg from bench/results/*.json (and
// js/bench/last-http.json when bench/results/http.json is missing).
//
//   node bench/report.mjs            (npm run bench calls writeReport() at the end)
//
// Hand-written analysis survives regeneration: put it in bench/notes.md and it is
// included verbatim under "Analysis".
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const resultsDir = join(root, "bench", "results");

const TARGETS = {
  workerd_vs_jose: 3,
  workerd_vs_webcrypto: 1,
  node_vs_nodecrypto: 1.2,
  node_vs_jose: 25,
  http_jwt_vs_session: 2,
};

// Display names for the workerd bench's implementation keys.
const WORKERD_NAMES = {
  verifyJWT: "verifyJWT (wasm)",
  keyring: "KeyRing.verify (wasm)",
  jose: "jose",
  hono: "hono/jwt",
  tsndr: "@tsndr/cloudflare-worker-jwt",
  webcrypto: "WebCrypto, cached CryptoKey",
};
const WORKERD_SIGN_NAMES = {
  verifyJWT: "generateJWT (wasm)",
  keyring: "KeyRing.sign (wasm)",
  jose: "jose",
  hono: "hono/jwt",
  tsndr: "@tsndr/cloudflare-worker-jwt",
  webcrypto: "WebCrypto, cached CryptoKey",
};

function load(name, fallback) {
  for (const p of [join(resultsDir, name), fallback].filter(Boolean)) {
    if (existsSync(p)) {
      try {
        return { data: JSON.parse(readFileSync(p, "utf8")), path: relative(root, p) };
      } catch (err) {
        return { data: null, path: relative(root, p), error: `unreadable: ${err.message}` };
      }
    }
  }
  return { data: null, path: null };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), values: xs });

const fmt = {
  us: (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)),
  ops: (x) => Math.round(x).toLocaleString("en-US"),
  kops: (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e4 ? `${Math.round(x / 1e3)} k` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : `${Math.round(x)}`),
  x: (x) => (x >= 10 ? `${x.toFixed(1)}x` : `${x.toFixed(2)}x`),
  ms: (x) => (x >= 10 ? x.toFixed(1) : x.toFixed(2)),
  kib: (b) => `${(b / 1024).toFixed(1)} KiB`,
};
const range = (s, f) => `${f(s.median)} [${f(s.min)}–${f(s.max)}]`;
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

// ---- normalising the inputs ------------------------------------------------------------

/** Node: [{name, ops: spread of ops/s over rounds, us}] for verify and sign; per-round ratios. */
function nodeView(node) {
  if (!node) return null;
  const rows = (list) =>
    (list ?? []).map((r) => {
      const rounds = Array.isArray(r.rounds) && r.rounds.length ? r.rounds : [r.opsPerSec];
      const s = spread(rounds);
      return { name: r.name, ops: { median: r.opsPerSec ?? s.median, min: s.min, max: s.max }, us: r.usPerOp ?? 1e6 / s.median, rounds };
    });
  const verify = rows(node.verify);
  const sign = rows(node.sign);
  const find = (list, re) => list.find((r) => re.test(r.name));
  const perRound = (a, b) => {
    if (!a || !b) return null;
    const n = Math.min(a.rounds.length, b.rounds.length);
    const xs = [];
    for (let i = 0; i < n; i++) xs.push(a.rounds[i] / b.rounds[i]);
    // Median of per-round ratios (as node.mjs and workerd.mjs report them), with their spread.
    return spread(xs);
  };
  const v = find(verify, /^verifyJWT/);
  const base = find(verify, /node:crypto/);
  const jose = find(verify, /^jose/);
  return {
    verify,
    sign,
    ratios: {
      vs_nodecrypto: perRound(v, base),
      vs_jose: perRound(v, jose),
      keyring_vs_nodecrypto: perRound(find(verify, /^KeyRing/), base),
      keyring_vs_jose: perRound(find(verify, /^KeyRing/), jose),
      sign_vs_nodecrypto: perRound(find(sign, /^generateJWT/), find(sign, /node:crypto/)),
      sign_vs_jose: perRound(find(sign, /^generateJWT/), find(sign, /^jose/)),
    },
  };
}

/** HTTP: one row per kind found in the rounds (jwt, session, and whatever else the bench adds). */
function httpView(http) {
  if (!http) return null;
  const rounds = http.rounds ?? [];
  const kinds = [];
  for (const r of rounds) for (const k of Object.keys(r)) if (k !== "round" && typeof r[k] === "object" && r[k] && "rps" in r[k] && !kinds.includes(k)) kinds.push(k);
  const rows = kinds.map((kind) => {
    const rs = rounds.map((r) => r[kind]).filter(Boolean);
    const sum = http.summary?.[kind] ?? {};
    const pick = (key) => {
      const s = spread(rs.map((x) => x[key]).filter((x) => typeof x === "number"));
      if (typeof sum[key] === "number") s.median = sum[key];
      return s;
    };
    return {
      kind,
      rps: pick("rps"),
      p50: pick("p50_ms"),
      p99: pick("p99_ms"),
      errors: rs.reduce((a, x) => a + (x.errors ?? 0) + (x.non2xx ?? 0), 0),
      requests: rs.reduce((a, x) => a + (x.requests ?? 0), 0),
    };
  });
  let ratio = null;
  const j = rows.find((r) => r.kind === "jwt");
  const s = rows.find((r) => r.kind === "session");
  if (j && s) {
    const xs = rounds.filter((r) => r.jwt && r.session).map((r) => r.jwt.rps / r.session.rps);
    const sp = spread(xs);
    ratio = { median: http.summary?.ratio?.throughput_jwt_over_session ?? j.rps.median / s.rps.median, min: sp.min, max: sp.max, values: xs };
  }
  return { rows, ratio };
}

// ---- targets -----------------------------------------------------------------------------

function verdict(r, target) {
  if (!r || !Number.isFinite(r.median)) return { status: "not measured", mark: "➖" };
  const below = (r.values ?? []).filter((x) => x < target).length;
  const n = (r.values ?? []).length;
  if (r.median >= target) {
    return below
      ? { status: `met (median; ${below} of ${n} rounds below)`, mark: "✅" }
      : { status: "met", mark: "✅" };
  }
  return { status: "**not met**", mark: "❌" };
}

function targetsTable(workerd, node, http, stale = {}) {
  const rows = [
    ["inside workerd", "verifyJWT ≥ 3x jose (verify)", TARGETS.workerd_vs_jose, workerd?.ratios?.verify?.verifyJWT_vs_jose, stale.workerd],
    ["inside workerd", "verifyJWT ≥ 1x cached-key WebCrypto (verify)", TARGETS.workerd_vs_webcrypto, workerd?.ratios?.verify?.verifyJWT_vs_webcrypto, stale.workerd],
    ["Node", "verifyJWT ≥ 1.2x node:crypto (verify)", TARGETS.node_vs_nodecrypto, node?.ratios?.vs_nodecrypto, stale.node],
    ["Node", "verifyJWT ≥ 25x jose (verify)", TARGETS.node_vs_jose, node?.ratios?.vs_jose, stale.node],
    ["HTTP", "/auth/me with a JWT ≥ 2x the throughput with a session token", TARGETS.http_jwt_vs_session, http?.ratio, stale.http],
  ];
  const out = ["| where | target | measured: median [min–max over rounds] | status |", "|---|---|---:|---|"];
  const unmet = [];
  for (const [where, what, target, r, old] of rows) {
    const v = verdict(r, target);
    if (v.mark === "❌" || v.mark === "➖") unmet.push(`${where}: ${what} (${v.mark === "❌" ? `measured ${fmt.x(r.median)}` : "not measured in this run"})`);
    out.push(`| ${where} | ${what} | ${r && Number.isFinite(r.median) ? range(r, fmt.x) : "—"}${old ? " ⚠️ earlier run" : ""} | ${v.mark} ${v.status} |`);
  }
  return { table: out.join("\n"), unmet, rows };
}

// ---- chart -------------------------------------------------------------------------------

function chartSvg(groups) {
  // groups: [{ title, subtitle, bars: [{ name, ops: {median,min,max}, us, ours }] }]
  const W = 880;
  const labelW = 250;
  const valueW = 190;
  const barW = W - labelW - valueW - 20;
  const rowH = 26;
  const barH = 16;
  const pad = 16;
  let y = 70;
  const parts = [];
  // One shared axis when the groups' ranges are comparable (within 3x), so bars can be
  // compared across runtimes; otherwise each group gets its own.
  const maxOf = (g) => Math.max(...g.bars.map((b) => Math.max(b.ops.max, b.ops.median)));
  const globalMax = Math.max(...groups.map(maxOf));
  const shared = groups.every((g) => maxOf(g) * 3 >= globalMax);
  const ticksFor = (max) => {
    const raw = max / 4;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    const ticks = [];
    for (let t = 0; t <= max * 1.0001 + step; t += step) {
      ticks.push(t);
      if (t >= max) break;
    }
    return ticks;
  };
  for (const g of groups) {
    parts.push(`<text x="${pad}" y="${y}" class="group">${esc(g.title)}</text>`);
    if (g.subtitle) parts.push(`<text x="${pad}" y="${y + 16}" class="sub">${esc(g.subtitle)}</text>`);
    y += g.subtitle ? 30 : 14;
    const bars = [...g.bars].sort((a, b) => b.ops.median - a.ops.median);
    const ticks = ticksFor(shared ? globalMax : maxOf(g));
    const axisMax = ticks[ticks.length - 1];
    const sx = (v) => labelW + (v / axisMax) * barW;
    const top = y;
    const bottom = y + bars.length * rowH;
    for (const t of ticks) {
      parts.push(`<line x1="${sx(t).toFixed(1)}" y1="${top - 2}" x2="${sx(t).toFixed(1)}" y2="${bottom}" class="grid"/>`);
      parts.push(`<text x="${sx(t).toFixed(1)}" y="${bottom + 13}" class="tick" text-anchor="middle">${esc(fmt.kops(t))}</text>`);
    }
    for (const b of bars) {
      const cy = y + rowH / 2;
      const w = Math.max(1, sx(b.ops.median) - labelW);
      parts.push(`<text x="${labelW - 8}" y="${cy + 4}" class="label${b.ours ? " ours" : ""}" text-anchor="end">${esc(b.name)}</text>`);
      parts.push(`<rect x="${labelW}" y="${cy - barH / 2}" width="${w.toFixed(1)}" height="${barH}" rx="2" class="${b.ours ? "bar-ours" : b.native ? "bar-native" : "bar"}"><title>${esc(`${b.name}: ${fmt.ops(b.ops.median)} ops/s (min ${fmt.ops(b.ops.min)}, max ${fmt.ops(b.ops.max)})`)}</title></rect>`);
      if (b.ops.max > b.ops.min) {
        const x1 = sx(b.ops.min).toFixed(1);
        const x2 = sx(b.ops.max).toFixed(1);
        parts.push(`<line x1="${x1}" y1="${cy}" x2="${x2}" y2="${cy}" class="whisker"/>`);
        parts.push(`<line x1="${x1}" y1="${cy - 4}" x2="${x1}" y2="${cy + 4}" class="whisker"/>`);
        parts.push(`<line x1="${x2}" y1="${cy - 4}" x2="${x2}" y2="${cy + 4}" class="whisker"/>`);
      }
      parts.push(`<text x="${labelW + barW + 10}" y="${cy + 4}" class="value">${esc(`${fmt.kops(b.ops.median)} ops/s · ${fmt.us(b.us)} µs`)}</text>`);
      y += rowH;
    }
    parts.push(`<text x="${labelW + barW}" y="${bottom + 26}" class="tick" text-anchor="end">verify ops/s</text>`);
    y = bottom + 13 + 34;
  }
  const H = y - 10;
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif">
<style>
  .title { font-size: 17px; font-weight: 600; fill: #1f2328; }
  .note { font-size: 11px; fill: #59636e; }
  .group { font-size: 14px; font-weight: 600; fill: #1f2328; }
  .sub { font-size: 11px; fill: #59636e; }
  .label { font-size: 12px; fill: #1f2328; }
  .label.ours { font-weight: 600; }
  .value { font-size: 12px; fill: #1f2328; }
  .tick { font-size: 10px; fill: #59636e; }
  .grid { stroke: #d1d9e0; stroke-width: 1; }
  .bar { fill: #8c959f; }
  .bar-native { fill: #54aeff; }
  .bar-ours { fill: #e16f24; }
  .whisker { stroke: #1f2328; stroke-width: 1.2; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="16" y="24" class="title">HS256 verify throughput (higher is better)</text>
<text x="16" y="42" class="note">median ops/s over rounds; whiskers = min–max over rounds; ${shared ? "one scale for both groups" : "each group has its own scale"}; orange = hybrid-auth (Rust/wasm), blue = the runtime's native crypto</text>
${parts.join("\n")}
</svg>
`;
}

// ---- the report ----------------------------------------------------------------------------

export function writeReport() {
  const run = load("run.json").data;
  const workerdL = load("workerd.json");
  const nodeL = load("node.json");
  const httpL = load("http.json", join(root, "js", "bench", "last-http.json"));
  const startupL = load("startup.json");
  const bundleL = load("bundle.json");
  const workerd = workerdL.data;
  const nodeRaw = nodeL.data;
  const node = nodeView(nodeRaw);
  const httpRaw = httpL.data;
  const http = httpView(httpRaw);
  const startup = startupL.data;
  const bundle = bundleL.data;

  // Chart.
  const groups = [];
  if (workerd) {
    groups.push({
      title: `Inside workerd (${run?.versions?.workerd ?? workerd.versions?.workerd?.version ?? `workerd ${workerd.versions?.workerd?.package ?? workerd.versions?.workerd}`}), one isolate`,
      subtitle: `µs/op = (t(N ops) − t(0 ops)) / N, timed from outside; ${workerd.settings.rounds} rounds`,
      bars: Object.entries(workerd.results).map(([k, r]) => ({
        name: WORKERD_NAMES[k] ?? k,
        ops: r.verify.ops_per_s,
        us: r.verify.us_per_op.median,
        ours: k === "verifyJWT" || k === "keyring",
        native: k === "webcrypto",
      })),
    });
  }
  if (node) {
    groups.push({
      title: `Node ${nodeRaw.node ?? run?.versions?.node ?? ""}`,
      subtitle: nodeRaw.method ? `${nodeRaw.method.split(";")[0]}` : undefined,
      bars: node.verify.map((r) => ({ name: r.name, ops: r.ops, us: r.us, ours: /\(wasm\)/.test(r.name), native: /node:crypto/.test(r.name) })),
    });
  }
  const svgPath = join(root, "bench", "chart.svg");
  if (groups.length) writeFileSync(svgPath, chartSvg(groups));

  // Results older than this run (its step failed or was skipped) are shown, but flagged.
  const runDate = run?.date ? new Date(run.date) : null;
  const staleNote = (data, step) => {
    if (!data || !runDate) return "";
    const d = data.date ? new Date(data.date) : null;
    if (d && d >= runDate) return "";
    const st = run.steps?.[step];
    return `> ⚠️ **Not from the last run**: these figures are from ${d ? data.date : "an unknown date"}; in the last run this step ${st ? `was ${st.status}${st.reason ? ` (${st.reason.split("\n")[0].slice(0, 200)})` : ""}` : "did not run"}.\n`;
  };
  const stale = {
    workerd: staleNote(workerd, "workerd"),
    node: staleNote(nodeRaw, "node"),
    http: staleNote(httpRaw, "http"),
    startup: staleNote(startup, "startup"),
    bundle: staleNote(bundle, "bundle"),
  };

  const targets = targetsTable(workerd, node, http, stale);
  const L = [];
  L.push("# Benchmarks");
  L.push("");
  L.push(`<!-- Generated by \`npm run bench\` (bench/run.mjs → bench/report.mjs) from bench/results/*.json. Do not edit by hand: put analysis in bench/notes.md. -->`);
  L.push("");
  const date = run?.date ?? workerd?.date ?? nodeRaw?.date;
  const m = run?.machine;
  const v = run?.versions ?? {};
  L.push(`Last run: **${date ? date.replace("T", " ").replace(/\.\d+Z$/, " UTC") : "unknown"}**${run?.quick ? " (quick mode: fewer, shorter rounds)" : ""}${run?.git?.commit ? `, commit \`${run.git.commit}\`${run.git.dirty ? " + uncommitted changes" : ""}` : ""}.`);
  if (m) {
    L.push(`Machine: ${m.cpu_model}, ${m.cores} cores (shared with other work), ${m.memory_gib} GiB, ${m.os}; load average at start ${m.loadavg_at_start.join(" / ")}${m.loadavg_at_end ? `, at end ${m.loadavg_at_end.join(" / ")}` : ""} (1 / 5 / 15 min).`);
  }
  const loads = Object.entries(run?.steps ?? {}).filter(([, st]) => st.loadavg_1min);
  if (loads.length) L.push(`1-minute load average at the start → end of each step: ${loads.map(([k, st]) => `${k} ${st.loadavg_1min.start} → ${st.loadavg_1min.end}`).join(", ")} (anything above ${m?.cores ?? 2} means the cores were oversubscribed).`);
  L.push(
    `Versions: Node ${v.node ?? process.version} (V8 ${v.v8 ?? process.versions.v8}), ${v.workerd ?? `workerd ${v.workerd_package ?? "?"}`} (npm workerd ${v.workerd_package ?? "?"}), wrangler ${v.wrangler ?? "?"}; peers: jose ${v.jose ?? "?"}, hono ${v.hono ?? "?"}, @tsndr/cloudflare-worker-jwt ${v.tsndr ?? "?"}, fast-jwt ${v.fast_jwt ?? "?"}.`,
  );
  L.push("");
  L.push("Numbers are medians over several interleaved rounds; `[min–max]` is the spread over those rounds. On a shared 2-core machine the spread is the honest error bar: read ratios, not absolute figures.");
  L.push("");

  L.push("## At a glance");
  L.push("");
  if (groups.length) L.push("![HS256 verify throughput per implementation, inside workerd and in Node](bench/chart.svg)");
  L.push("");
  L.push("### Targets");
  L.push("");
  L.push(targets.table);
  L.push("");
  if (targets.unmet.length) {
    L.push(`**Not reached:** ${targets.unmet.join("; ")}.`);
    L.push(existsSync(join(root, "bench", "notes.md")) ? "Why, and what would reach it: see [Analysis](#analysis)." : "Why, and what would reach it: not analysed yet (add it to `bench/notes.md`; it is included below on every regeneration).");
    L.push("");
  }

  const steps = run?.steps ?? {};
  const notOk = Object.entries(steps).filter(([, s]) => s.status !== "ok");
  if (notOk.length) {
    L.push("### Steps that did not run cleanly");
    L.push("");
    for (const [name, s] of notOk) L.push(`- \`${name}\`: ${s.status}${s.reason ? ` — ${s.reason.split("\n")[0]}` : ""}`);
    L.push("");
  }

  // Inside workerd.
  L.push("## 1. Inside workerd");
  L.push("");
  if (stale.workerd) L.push(stale.workerd);
  if (workerd) {
    L.push(`A bench Worker (\`js/bench/worker\`) served by \`wrangler dev\` on 127.0.0.1 runs N operations of one implementation per request, in one isolate, on one ${workerd.token_bytes}-byte token (sub, email, name, iat, exp, jti). Inside a request the clock does not advance during CPU work, so requests are timed from outside and the time of the same request with N = 0 is subtracted. N is calibrated so a request does ≈${workerd.settings.target_ms_per_request} ms of work; ${workerd.settings.rounds} rounds; each round makes ${workerd.settings.reps_per_round} passes over every implementation and op (order rotated per round), one (N, 0) request pair per pass; per round µs/op = (fastest t(N) − fastest t(0)) / N, since load from elsewhere only adds time. The table gives the median and [min–max] of those per-round figures. Async implementations are awaited one op at a time. Request overhead (N = 0): ${range(workerd.request_overhead_ms, fmt.ms)} ms.`);
    L.push("");
    L.push("| implementation | verify µs/op | verify ops/s | sign µs/op | sign ops/s | N per request (verify / sign) |");
    L.push("|---|---:|---:|---:|---:|---:|");
    for (const [k, r] of Object.entries(workerd.results)) {
      const name = k === "verifyJWT" ? "verifyJWT / generateJWT (wasm)" : k === "keyring" ? "KeyRing verify / sign (wasm)" : WORKERD_NAMES[k] ?? k;
      const bold = k === "verifyJWT" || k === "keyring" ? "**" : "";
      L.push(`| ${bold}${name}${bold} | ${range(r.verify.us_per_op, fmt.us)} | ${fmt.ops(r.verify.ops_per_s.median)} | ${range(r.sign.us_per_op, fmt.us)} | ${fmt.ops(r.sign.ops_per_s.median)} | ${r.verify.n_per_request} / ${r.sign.n_per_request} |`);
    }
    L.push("");
    const rv = workerd.ratios.verify;
    const rs = workerd.ratios.sign;
    L.push("Ratios (per round, then median [min–max]; > 1 means hybrid-auth is faster):");
    L.push("");
    L.push(`- verify: verifyJWT = **${range(rv.verifyJWT_vs_jose, fmt.x)}** jose, **${range(rv.verifyJWT_vs_webcrypto, fmt.x)}** cached-key WebCrypto, ${range(rv.verifyJWT_vs_hono, fmt.x)} hono/jwt, ${range(rv.verifyJWT_vs_tsndr, fmt.x)} @tsndr; KeyRing.verify = ${range(rv.keyring_vs_jose, fmt.x)} jose, ${range(rv.keyring_vs_webcrypto, fmt.x)} WebCrypto.`);
    L.push(`- sign: generateJWT = ${range(rs.verifyJWT_vs_jose, fmt.x)} jose, ${range(rs.verifyJWT_vs_webcrypto, fmt.x)} WebCrypto; KeyRing.sign = ${range(rs.keyring_vs_jose, fmt.x)} jose, ${range(rs.keyring_vs_webcrypto, fmt.x)} WebCrypto.`);
    L.push("");
    L.push("The WebCrypto row is a hand-written verifier (split, `crypto.subtle.verify` HMAC with a `CryptoKey` imported once, base64url-decode + `JSON.parse` of the payload, `exp` check) and signer: the runtime's native limit. `verifyJWT` takes the secret on every call (the drop-in API); `KeyRing` holds prepared HMAC state.");
  } else {
    L.push("_Not measured in this run._");
  }
  L.push("");

  // Node.
  L.push("## 2. In Node");
  L.push("");
  if (node && stale.node) L.push(stale.node);
  if (node) {
    if (nodeRaw.method) L.push(`${nodeRaw.node ?? ""}${nodeRaw.v8 ? ` (V8 ${nodeRaw.v8})` : ""}: ${nodeRaw.method}. Same token for every verifier (${nodeRaw.token?.bytes ?? "?"} bytes). Source: \`bench/node.mjs\`.`);
    L.push("");
    for (const [title, rows] of [["Verify", node.verify], ["Sign", node.sign]]) {
      const base = rows.find((r) => /node:crypto/.test(r.name));
      const jose = rows.find((r) => /^jose/.test(r.name));
      // Same method as the headline: the median of per-round ratios.
      const x = (a, b) => {
        if (!b) return "—";
        const n = Math.min(a.rounds.length, b.rounds.length);
        const xs = [];
        for (let i = 0; i < n; i++) xs.push(a.rounds[i] / b.rounds[i]);
        return fmt.x(median(xs));
      };
      L.push(`| ${title.toLowerCase()} | ops/s: median [min–max] | µs/op | × node:crypto | × jose |`);
      L.push("|---|---:|---:|---:|---:|");
      for (const r of rows) {
        const bold = /\(wasm\)/.test(r.name) ? "**" : "";
        L.push(`| ${bold}${r.name}${bold} | ${range(r.ops, fmt.ops)} | ${fmt.us(r.us)} | ${x(r, base)} | ${x(r, jose)} |`);
      }
      L.push("");
      L.push("The × columns are medians of per-round ratios (as in the targets table), so they can differ slightly from the ratio of the two medians.");
      L.push("");
    }
  } else {
    L.push(`_Not measured in this run${steps.node?.reason ? `: ${steps.node.reason}` : ""}._`);
    L.push("");
  }

  // HTTP.
  L.push("## 3. Over HTTP");
  L.push("");
  if (httpRaw && stale.http) L.push(stale.http);
  if (http && httpRaw) {
    const st = httpRaw.settings ?? {};
    L.push(`${httpRaw.benchmark ?? "GET /auth/me"}. ${st.connections ?? "?"} connections, ${st.rounds ?? "?"} rounds × ${st.seconds_per_run ?? "?"} s per kind, kinds alternating. Source: \`js/bench/http.mjs\` (\`npm run bench:http\`), run ${httpRaw.date ?? "?"}.`);
    L.push("");
    L.push("| request | req/s: median [min–max] | p50 ms | p99 ms | requests | errors + non-2xx |");
    L.push("|---|---:|---:|---:|---:|---:|");
    for (const r of http.rows) {
      L.push(`| ${r.kind} | ${range(r.rps, fmt.ops)} | ${range(r.p50, (x) => String(x))} | ${range(r.p99, (x) => String(x))} | ${fmt.ops(r.requests)} | ${r.errors} |`);
    }
    L.push("");
    if (http.ratio) L.push(`JWT throughput = **${range(http.ratio, fmt.x)}** session-token throughput (per round).`);
    if (httpRaw.note) L.push(`${httpRaw.note}`);
    const kinds = http.rows.map((r) => r.kind);
    const missing = [];
    if (!kinds.some((k) => /strict|revo/i.test(k))) missing.push("`/auth/me` with the revocation check in strict mode");
    if (!kinds.some((k) => /login/i.test(k))) missing.push("`/auth/login` (PBKDF2 cost)");
    if (missing.length) {
      L.push("");
      L.push(`Not measured over HTTP in this run: ${missing.join(", ")} (\`js/bench/http.mjs\` does not report them yet).`);
    }
  } else {
    L.push(`_Not measured in this run${steps.http?.reason ? `: ${steps.http.reason.split("\n")[0]}` : ""}._`);
  }
  L.push("");

  // Start-up.
  L.push("## 4. Start-up and size");
  L.push("");
  if (startup && stale.startup) L.push(stale.startup);
  if (bundle && stale.bundle) L.push(stale.bundle);
  L.push("| what | value |");
  L.push("|---|---:|");
  if (startup) {
    const s = startup.node_ms;
    L.push(`| \`${startup.wasm.path}\` raw | ${fmt.ops(startup.wasm.raw_bytes)} B (${fmt.kib(startup.wasm.raw_bytes)}) |`);
    L.push(`| … gzip -9 | ${fmt.ops(startup.wasm.gzip_bytes)} B (${fmt.kib(startup.wasm.gzip_bytes)}) |`);
    L.push(`| compile (\`new WebAssembly.Module\`), Node, median [min–max] of ${s.runs} fresh processes | ${range(s.compile, fmt.ms)} ms |`);
    L.push(`| instantiate (\`initSync\`: instance + wasm-bindgen start) | ${range(s.instantiate, fmt.ms)} ms |`);
    L.push(`| **compile + instantiate** | **${range(s.compile_plus_instantiate, fmt.ms)} ms** |`);
    L.push(`| first \`verifyJWT\` call after instantiate | ${range(s.first_verify, fmt.ms)} ms |`);
  }
  const nw = nodeRaw?.wasm;
  if (nw?.limitBytes != null && (startup || nw.rawBytes != null)) {
    const raw = startup?.wasm.raw_bytes ?? nw.rawBytes;
    L.push(`| raw size vs the core issue's ${fmt.kib(nw.limitBytes)} limit | ${raw <= nw.limitBytes ? "within" : `**over** by ${fmt.kib(raw - nw.limitBytes)}`} |`);
  }
  if (nw?.brotliBytes != null) L.push(`| … brotli -11 (bench/node.mjs) | ${fmt.ops(nw.brotliBytes)} B (${fmt.kib(nw.brotliBytes)}) |`);
  const cold = nw?.coldProcess;
  if (cold) {
    const label = { compileMsMedian: "compile", initSyncMsMedian: "initSync", firstSignAndVerifyMsMedian: "first sign + verify", importEntryMsMedian: "`import` of entry/node.js" };
    for (const [k, val] of Object.entries(cold)) {
      if (k === "runs" || typeof val !== "number") continue;
      L.push(`| cold process (bench/node.mjs, median of ${cold.runs ?? "?"}): ${label[k] ?? k} | ${fmt.ms(val)} ms |`);
    }
  } else if (nw?.coldImportMsMedian != null) {
    L.push(`| cold \`import\` of entry/node.js in a fresh process (bench/node.mjs, median of ${nw.coldImportRuns}) | ${fmt.ms(nw.coldImportMsMedian)} ms |`);
  }
  if (bundle) {
    L.push(`| Worker bundle (js/, wrangler “Total Upload”) | ${bundle.total_upload_kib} KiB |`);
    L.push(`| … gzip (what counts against the Workers size limit) | ${bundle.gzip_kib} KiB |`);
    for (const f of bundle.modules ?? []) L.push(`| … module \`${f.file}\` | ${fmt.kib(f.bytes)} |`);
  }
  if (!startup && !bundle) L.push("| not measured in this run | — |");
  L.push("");
  if (bundle?.note) L.push(bundle.note);
  L.push("");

  // Analysis (hand-written, survives regeneration).
  L.push("## Analysis");
  L.push("");
  const notes = join(root, "bench", "notes.md");
  if (existsSync(notes)) L.push(readFileSync(notes, "utf8").trim());
  else L.push("_None yet: write it in `bench/notes.md` (included here verbatim on every regeneration)._");
  L.push("");

  L.push("## Reproduce");
  L.push("");
  L.push("```sh");
  L.push(`npm run bench              # everything above (the last run took ${run?.elapsed_s ? `${Math.round(run.elapsed_s / 60 * 10) / 10} min` : "a few minutes"}); rewrites this file and bench/chart.svg`);
  L.push("npm run bench -- --quick   # fewer, shorter rounds");
  L.push("npm run bench -- --skip=http,node   # steps: startup, node, workerd, http, bundle");
  L.push("node bench/workerd.mjs     # inside workerd only");
  L.push("node bench/node.mjs        # Node only");
  L.push("npm run bench:http         # over HTTP only");
  L.push("node bench/report.mjs      # regenerate this file from bench/results/*.json");
  L.push("```");
  L.push("");
  L.push(`Raw results: ${[workerdL.path, nodeL.path, httpL.path, startupL.path, bundleL.path, run ? "bench/results/run.json" : null].filter(Boolean).map((p) => `\`${p}\``).join(", ")}.`);
  L.push("");

  const markdownPath = join(root, "BENCHMARKS.md");
  writeFileSync(markdownPath, L.join("\n"));

  const headline = [
    "Targets:",
    ...targets.rows.map(([where, what, target, r]) => `  ${verdict(r, target).mark} ${where}: ${what}: ${r && Number.isFinite(r.median) ? range(r, fmt.x) : "not measured"}`),
  ].join("\n");
  return { markdownPath: relative(root, markdownPath), svgPath: relative(root, svgPath), headline };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { markdownPath, svgPath, headline } = writeReport();
  console.log(`${headline}\nwrote ${markdownPath} and ${svgPath}`);
}
