// Node: the revocation filter (issue 23) from the installed package by name, ES modules and
// CommonJS. Builds a filter of 1,000 sids, parses it back, checks it, and prints
// { resolved, resolvedCjs, esm, cjs } as JSON.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import * as esmApi from "hybrid-auth/filter";

const require = createRequire(import.meta.url);
const cjsApi = require("hybrid-auth/filter");

function exercise({ createRevocationFilterBuilder, parseRevocationFilter, REVOCATION_KINDS }) {
  const key = crypto.getRandomValues(new Uint8Array(16));
  const b = createRevocationFilterBuilder(key);
  const sids = Array.from({ length: 1000 }, () => crypto.randomUUID());
  for (const sid of sids) b.add(REVOCATION_KINDS.sid, sid);
  const bytes = b.finish();
  const f = parseRevocationFilter(bytes);
  let code = null;
  try {
    parseRevocationFilter(bytes.subarray(0, 10));
  } catch (e) {
    code = e.code;
  }
  return {
    entries: f.entries,
    byteLength: f.byteLength,
    bytes: bytes.length,
    allFound: sids.every((s) => f.matchToken(undefined, s, "someone")),
    truncatedCode: code,
  };
}

console.log(
  JSON.stringify({
    resolved: fileURLToPath(import.meta.resolve("hybrid-auth/filter")),
    resolvedCjs: require.resolve("hybrid-auth/filter"),
    esm: exercise(esmApi),
    cjs: exercise(cjsApi),
  }),
);
