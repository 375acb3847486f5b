// js/README.md names every member of a `hybrid-auth/client` client (issue 19, point 12: an
// adopter found close(), tokens(), adopt(), forget() and call() nowhere in the docs). The
// members are read from the built client (dist/client.js, `node scripts/build-lib.mjs`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The client part of js/README.md's API section: from its heading line to the route table. */
function clientDocs() {
  const readme = readFileSync(join(root, "js", "README.md"), "utf8");
  const start = readme.indexOf("**`hybrid-auth/client`**");
  const end = readme.indexOf("<!-- routes:start", start);
  assert.ok(start >= 0 && end > start, "js/README.md has no hybrid-auth/client section before the route table");
  return readme.slice(start, end);
}

test("js/README.md names every member of the client", async () => {
  const { createClient } = await import(pathToFileURL(join(root, "dist", "client.js")).href);
  const client = createClient({ baseUrl: "http://127.0.0.1:9/auth", channel: false });
  const docs = clientDocs();
  const members = Object.keys(client);
  assert.ok(members.length >= 30, `expected the whole client, got ${members.length} members`);
  const missing = members.filter((name) => !new RegExp("`" + name + "[`(]").test(docs));
  assert.deepEqual(missing, [], "members of the client js/README.md does not name");
});

test("js/README.md says what the client's storage and channel default to", () => {
  const docs = clientDocs();
  assert.match(docs, /Storage defaults to memory/);
  assert.match(docs, /in Node it opens none by default/);
});
