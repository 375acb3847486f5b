// js/README.md's hand-written table "What the main routes answer" may name only routes the
// library declares (issue 19, point 12: it listed the demo Worker's own GET /health among the
// auth routes). The generated route table is checked by routes-doc.test.js.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { README, answerTableRoutes, declaredRoutes } from "../../scripts/docs-routes.mjs";

test("every route in js/README.md's answer table is a route of the auth sub-app", async () => {
  const declared = new Set((await declaredRoutes()).map((r) => `${r.method} ${r.path}`));
  const listed = answerTableRoutes(readFileSync(README, "utf8"));
  assert.ok(listed.length >= 10, `expected the main routes, read ${listed.length}`);
  const strangers = listed.filter((r) => !declared.has(r));
  assert.deepEqual(strangers, [], "routes the library does not declare (the demo's own belong in prose)");
});

test("the answer-table reader sees a row that is not a declared route", () => {
  const readme = "| route | success | notes |\n|---|---|---|\n| `GET /auth/me` (Bearer) | `200` | |\n| `GET /health` | `200 {ok:true}` | |\n\nafter";
  assert.deepEqual(answerTableRoutes(readme), ["GET /me", "GET /health"]);
});
