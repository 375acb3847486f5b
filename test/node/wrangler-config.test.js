// js/wrangler.jsonc schedules the cleanup, and the demo Worker hands that
// Cron Trigger to the library (issue 19 §9: the Worker test that claimed this
// could not read files, so it could never fail). Both files are parsed, not
// grepped: the JSONC with TypeScript's own JSON-with-comments parser, the
// Worker's source with TypeScript's parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

function wranglerConfig() {
  const file = root("js/wrangler.jsonc");
  const { config, error } = ts.parseConfigFileTextToJson(file, readFileSync(file, "utf8"));
  assert.equal(error, undefined, error && ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  return config;
}

/** The properties of the Worker's `export default { ... }` object, by name: their initialiser's text. */
function defaultExportProperties(path) {
  const file = root(path);
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const assignment = source.statements.find((s) => ts.isExportAssignment(s) && !s.isExportEquals);
  assert.ok(assignment, `${path} has no default export`);
  let object = assignment.expression;
  while (ts.isSatisfiesExpression(object) || ts.isAsExpression(object) || ts.isParenthesizedExpression(object)) object = object.expression;
  assert.ok(ts.isObjectLiteralExpression(object), `${path}'s default export is not an object literal`);
  const properties = new Map();
  for (const p of object.properties) {
    if (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p) || ts.isMethodDeclaration(p)) {
      properties.set(p.name.getText(source), ts.isPropertyAssignment(p) ? p.initializer.getText(source) : p.name.getText(source));
    }
  }
  return properties;
}

test("js/wrangler.jsonc declares at least one Cron Trigger, each a five-field cron expression", () => {
  const crons = wranglerConfig().triggers?.crons;
  assert.ok(Array.isArray(crons), "triggers.crons is missing");
  assert.ok(crons.length > 0, "triggers.crons is empty: the cleanup would never run");
  for (const cron of crons) assert.match(cron, /^\S+( \S+){4}$/, `not a cron expression: ${cron}`);
});

test("js/demo/worker.ts exports fetch and scheduled, the scheduled handler being the library's", () => {
  const properties = defaultExportProperties("js/demo/worker.ts");
  assert.ok(properties.has("fetch"), "no fetch in the default export");
  assert.equal(properties.get("scheduled"), "auth.scheduled", "the Cron Trigger must reach auth.scheduled");
});
