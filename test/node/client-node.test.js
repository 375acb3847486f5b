// `hybrid-auth/client` in Node (issue 19, point 12): a script that creates a client must end by
// itself. The client used to open a BroadcastChannel by default, which keeps a Node process
// alive until close(). Each case runs the built client (dist/client.js, as the package ships
// it; `node scripts/build-lib.mjs` builds it) in a child process and waits for it to exit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const CLIENT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "client.js");
const EXIT_WITHIN_MS = 5000;

/** Runs an ES module snippet with `createClient` in scope; resolves {code, stdout, timedOut}. */
function runWithClient(body) {
  const source = `import { createClient } from ${JSON.stringify(pathToFileURL(CLIENT).href)};\n${body}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", source], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, EXIT_WITHIN_MS);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

test("dist/client.js is built", () => {
  assert.ok(existsSync(CLIENT), "run: node scripts/build-lib.mjs");
});

test("a Node script that creates a client with the defaults exits by itself", async () => {
  const r = await runWithClient(`
    const auth = createClient({ baseUrl: "http://127.0.0.1:9/auth" });
    console.log(typeof auth.me, auth.tokens());
  `);
  assert.equal(r.timedOut, false, `the process was still alive after ${EXIT_WITHIN_MS} ms (an open BroadcastChannel?)`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "function null");
});

test("a channel named explicitly still works in Node, and close() lets the process end", async () => {
  // Two clients on one named channel: tokens adopted by one reach the other (as between tabs).
  const r = await runWithClient(`
    const a = createClient({ baseUrl: "http://127.0.0.1:9/auth", channel: "node-test" });
    const b = createClient({ baseUrl: "http://127.0.0.1:9/auth", channel: "node-test" });
    a.adopt({ token: "t1", tokenType: "session", expiresAt: 4102444800 });
    for (let i = 0; i < 50 && !b.tokens(); i++) await new Promise((r) => setTimeout(r, 20));
    console.log(b.tokens()?.token ?? "none");
    a.close();
    b.close();
  `);
  assert.equal(r.timedOut, false, `close() did not let the process end within ${EXIT_WITHIN_MS} ms`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "t1", "the named channel carried no tokens");
});

test("without close(), an explicitly named channel keeps the process alive (why the README shows close())", async () => {
  const r = await runWithClient(`createClient({ baseUrl: "http://127.0.0.1:9/auth", channel: "node-test" });`);
  assert.equal(r.timedOut, true, "the process ended although a channel was open: the close() advice would be needless");
});
