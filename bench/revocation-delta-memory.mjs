#!/usr/bin/env node
// Issue 23: what one exact delta row costs an isolate (js/src/revocationFilter/delta.ts keeps
// a `sid` as the string "s:" + sid in a Set, a user stamp as user id -> ms in a Map), measured
// in V8 (the engine workerd embeds) with subjects parsed from JSON as D1 hands them over.
// Run with --expose-gc (bench/revocation-sim.mjs does); prints JSON {sidKeyBytes, stampBytes}.
import { randomUUID } from "node:crypto";

if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
const N = 100_000;
const json = () => JSON.stringify(Array.from({ length: N }, () => randomUUID()));
// `let` and read again at the end: both JSON texts stay alive through every measurement.
let sids = json();
let users = json();
const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const before = heap();
const keys = new Set();
for (const sid of JSON.parse(sids)) keys.add(`s:${sid}`);
const afterKeys = heap();
const stamps = new Map();
for (const user of JSON.parse(users)) stamps.set(user, 1.7e12 + Math.random());
const afterStamps = heap();
console.log(JSON.stringify({ entries: N, sidKeyBytes: Math.round((afterKeys - before) / N), stampBytes: Math.round((afterStamps - afterKeys) / N), held: keys.size + stamps.size + sids.length + users.length }));
