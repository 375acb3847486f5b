// Bench Worker: GET /?kind=<kind>&n=<N> hashes one password N times, sequentially, in
// this isolate, and answers {kind, n, checksum} (the checksum depends on every hash, so
// no work can be skipped). n=0 does all the per-request work except the loop:
// bench/passwords.mjs subtracts its time, measured from outside (inside a request the
// clock does not advance during CPU work).
//
// Kinds: argon2id_1 … argon2id_5, OWASP's Argon2id rows in the cheat sheet's order, as
// `hybrid-auth/argon2` lists them (argon2idOwaspCosts()); pbkdf2_100k, PBKDF2-HMAC-SHA256
// at 100,000 iterations through WebCrypto, the way js/src/passwords/pbkdf2.ts derives
// (key import + deriveBits of 256 bits, fresh 16-byte salt each time).
//
// GET /check hashes and verifies once per kind (right and wrong password) and lists the costs.
import { argon2idOwaspCosts, hashPassword, verifyPassword } from "hybrid-auth/argon2";

const PASSWORD = "correct horse battery staple";
const enc = new TextEncoder();

async function pbkdf2(password, salt) {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 100_000 }, key, 256));
}

// Built on the first request: argon2idOwaspCosts() instantiates the module, which is the
// per-isolate work a login pays once, not per hash.
let kinds = null;
function kindTable() {
  if (kinds) return kinds;
  kinds = {};
  argon2idOwaspCosts().forEach((cost, i) => {
    kinds[`argon2id_${i + 1}`] = { cost, hash: () => hashPassword(PASSWORD, cost) };
  });
  kinds.pbkdf2_100k = { cost: { iterations: 100_000, hash: "SHA-256", bits: 256 }, hash: async () => pbkdf2(PASSWORD, crypto.getRandomValues(new Uint8Array(16))) };
  return kinds;
}

// A string's or bytes' last unit: enough to make the result observable.
const tail = (r) => (typeof r === "string" ? r.charCodeAt(r.length - 1) : r[r.length - 1]);

async function check() {
  const failures = [];
  for (const [kind, k] of Object.entries(kindTable())) {
    if (!kind.startsWith("argon2id")) continue;
    const phc = k.hash();
    const { memoryKiB: m, timeCost: t, parallelism: p } = k.cost;
    if (!phc.startsWith(`$argon2id$v=19$m=${m},t=${t},p=${p}$`)) failures.push(`${kind}: unexpected PHC ${phc.slice(0, 40)}`);
    if (verifyPassword(PASSWORD, phc, k.cost).ok !== true) failures.push(`${kind}: the right password was refused`);
    const wrong = verifyPassword(`${PASSWORD}!`, phc, k.cost);
    if (wrong.ok || wrong.reason !== "mismatch") failures.push(`${kind}: the wrong password got ${JSON.stringify(wrong)}`);
  }
  // PBKDF2 is deterministic for a fixed salt, and depends on the password.
  const salt = new Uint8Array(16);
  const [a, b, c] = [await pbkdf2(PASSWORD, salt), await pbkdf2(PASSWORD, salt), await pbkdf2(`${PASSWORD}!`, salt)];
  if (a.join() !== b.join() || a.join() === c.join()) failures.push("pbkdf2_100k: not deterministic, or blind to the password");
  return { ok: failures.length === 0, failures, kinds: Object.fromEntries(Object.entries(kindTable()).map(([k, v]) => [k, v.cost])) };
}

const json = (body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export default {
  async fetch(request) {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/check") return json(await check());
      if (url.pathname !== "/") return json({ error: "not found" }, 404);
      const kind = kindTable()[url.searchParams.get("kind") ?? ""];
      const n = Number(url.searchParams.get("n") ?? "0");
      if (!kind) return json({ error: "unknown kind", kinds: Object.keys(kindTable()) }, 400);
      if (!Number.isInteger(n) || n < 0 || n > 1000) return json({ error: "bad n" }, 400);
      let checksum = 0;
      for (let i = 0; i < n; i++) checksum = (checksum + tail(await kind.hash())) % 2147483647;
      return json({ kind: url.searchParams.get("kind"), n, checksum });
    } catch (err) {
      return json({ error: String(err && err.message ? err.message : err) }, 500);
    }
  },
};
