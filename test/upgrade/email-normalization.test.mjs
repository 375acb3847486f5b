// Issue 19 §8: upgrade-seed must store addresses exactly as the Worker will look them up.
// The CLI's rule (bin/lib/email-address.mjs, plain JS shipped in bin/) against the
// Worker's own code, bundled from js/src by esbuild: normalizeEmail (js/src/http/fields.ts)
// and the login body's email field (LOGIN_EMAIL in js/src/api/requests.ts, which is what
// POST /login compares). No wrangler; every Unicode code point, inside an address.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { build } from "esbuild";
import { normalizeEmail } from "../../bin/lib/email-address.mjs";

const root = join(import.meta.dirname, "..", "..");

async function workerSide() {
  const result = await build({
    stdin: {
      contents: 'export { normalizeEmail } from "./js/src/http/fields.ts"; export { LOGIN_EMAIL } from "./js/src/api/requests.ts";',
      resolveDir: root,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "node",
    write: false,
    logLevel: "error",
  });
  return import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString("base64")}`);
}

describe("the CLI normalises addresses exactly as the Worker does", () => {
  it("for every Unicode code point, alone, leading, trailing and inside an address", async () => {
    const worker = await workerSide();
    const login = (raw) => worker.LOGIN_EMAIL.refine(raw, "email");
    let checked = 0;
    const mismatches = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue; // lone surrogates are not text
      const ch = String.fromCodePoint(cp);
      for (const raw of [ch, `${ch}Ab@Example.com`, `Ab@Example.com${ch}`, `A${ch}B@EXAMPLE.com`]) {
        const cli = normalizeEmail(raw);
        if (cli !== worker.normalizeEmail(raw)) mismatches.push(`U+${cp.toString(16)} normalizeEmail`);
        // The login field also refuses some inputs (length); where it answers, it must agree.
        let field;
        try {
          field = login(raw);
        } catch {
          field = undefined;
        }
        if (field !== undefined && cli !== field) mismatches.push(`U+${cp.toString(16)} LOGIN_EMAIL`);
        checked++;
      }
      if (mismatches.length > 10) break;
    }
    assert.deepEqual(mismatches, []);
    assert.ok(checked > 4_000_000, `checked ${checked}`);
  });

  it("is not SQLite's lower()/trim(): the reproduced case and Unicode whitespace", () => {
    assert.equal(normalizeEmail("ÉMILE@Example.com"), "émile@example.com");
    assert.equal(normalizeEmail("\u00a0\u2003Zoë@X.io\ufeff"), "zoë@x.io");
  });
});
