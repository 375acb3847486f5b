// js/README.md's route table is generated from the route declarations
// (scripts/docs-routes.mjs); this fails when the two have drifted apart, e.g.
// a route added to js/src/routes.ts without regenerating the docs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { README, START, END, declaredRoutes, routeTable } from "../../scripts/docs-routes.mjs";

test("js/README.md's route table is exactly the declared routes", async () => {
  const routes = await declaredRoutes();
  assert.ok(routes.length >= 13, `expected the v3 routes, got ${routes.length}`);
  const readme = readFileSync(README, "utf8");
  const section = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END)).trim();
  assert.equal(section, routeTable(routes), "run: node scripts/build-lib.mjs && node scripts/docs-routes.mjs");
});

test("the route table names every declared method and path once", async () => {
  const routes = await declaredRoutes();
  const keys = routes.map((r) => `${r.method} ${r.path}`);
  assert.equal(new Set(keys).size, keys.length, "a route is declared twice");
  for (const r of routes) assert.match(routeTable(routes), new RegExp(`\`${r.method} /auth${r.path.replace(/[/:]/g, "\\$&")}\``));
});
