// The revocation filter (issue 23) through its package entry, `hybrid-auth/filter`, as Node
// loads it: 100,000 entries built and checked in wasm (sizes and times printed), error codes
// as JavaScript sees them, lazy instantiation from every way in, and a Worker bundle that
// picks the filter's own .wasm and nothing else. The Rust tests (crates/revocation-filter)
// cover the container's validation in depth.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import {
  createRevocationFilterBuilder,
  parseRevocationFilter,
  RevocationFilter,
  RevocationFilterBuilder,
  REVOCATION_KINDS,
} from "hybrid-auth/filter";

const root = new URL("../../", import.meta.url);
const ENTRIES = 100_000;

test("100,000 sids: built and parsed through hybrid-auth/filter, every one found, under 0.01 % false positives, about 19 bits an entry", () => {
  const sids = Array.from({ length: ENTRIES }, () => randomUUID());
  const t0 = performance.now();
  const builder = createRevocationFilterBuilder(randomBytes(16));
  for (const sid of sids) builder.add(REVOCATION_KINDS.sid, sid);
  const bytes = builder.finish();
  const buildMs = performance.now() - t0;
  builder.free();
  assert.ok(bytes instanceof Uint8Array);

  const t1 = performance.now();
  const filter = parseRevocationFilter(bytes);
  const parseMs = performance.now() - t1;
  assert.equal(filter.entries, ENTRIES);
  assert.equal(filter.byteLength, bytes.length);
  // xorf's BinaryFuse16 is about 19 bits an entry here (1.125+ slots of 16 bits); 20 bits is the ceiling.
  assert.ok(bytes.length <= 52 + (ENTRIES * 20) / 8, `${bytes.length} bytes for ${ENTRIES} entries`);

  const t2 = performance.now();
  let found = 0;
  for (const sid of sids) found += filter.contains(REVOCATION_KINDS.sid, sid) ? 1 : 0;
  const containsNs = ((performance.now() - t2) * 1e6) / ENTRIES;
  assert.equal(found, ENTRIES, "no false negatives");

  const outsiders = Array.from({ length: ENTRIES }, () => randomUUID());
  const hits = outsiders.filter((s) => filter.contains(REVOCATION_KINDS.sid, s)).length;
  // About 1 in 65,536 a lookup: 1.5 expected here, 10 (0.01 %) is the ceiling.
  assert.ok(hits / ENTRIES <= 0.0001, `${hits} false positives of ${ENTRIES}`);

  const t3 = performance.now();
  let matched = 0;
  for (let i = 0; i < ENTRIES; i++) matched += filter.matchToken(outsiders[i], sids[i], outsiders[i]) ? 1 : 0;
  const matchNs = ((performance.now() - t3) * 1e6) / ENTRIES;
  assert.equal(matched, ENTRIES, "matchToken finds every revoked sid");
  filter.free();

  const wasm = readFileSync(new URL("pkg/filter/hybrid_auth_filter_bg.wasm", root));
  console.log(
    `filter: ${ENTRIES} entries -> ${bytes.length} bytes (${((bytes.length - 52) * 8 / ENTRIES).toFixed(2)} bits an entry, gzip ${gzipSync(bytes).length}); ` +
      `build ${buildMs.toFixed(1)} ms, parse ${parseMs.toFixed(2)} ms, contains ${containsNs.toFixed(0)} ns/op, ` +
      `matchToken (3 lookups) ${matchNs.toFixed(0)} ns/op, false positives ${hits}/${ENTRIES}; ` +
      `.wasm ${wasm.length} bytes (gzip -9 ${gzipSync(wasm, { level: 9 }).length})`,
  );
});

test("REVOCATION_KINDS is frozen {jti: 0, sid: 1, user: 2}, and the kinds are separate entries", () => {
  assert.deepEqual({ ...REVOCATION_KINDS }, { jti: 0, sid: 1, user: 2 });
  assert.ok(Object.isFrozen(REVOCATION_KINDS));
  const b = new RevocationFilterBuilder(randomBytes(16));
  const ids = Array.from({ length: 2000 }, () => randomUUID());
  for (const id of ids) b.add(REVOCATION_KINDS.user, id);
  assert.equal(b.size, ids.length);
  const f = RevocationFilter.parse(b.finish());
  assert.ok(f instanceof RevocationFilter);
  assert.ok(ids.every((id) => f.contains(REVOCATION_KINDS.user, id)));
  const asSid = ids.filter((id) => f.contains(REVOCATION_KINDS.sid, id)).length;
  const asJti = ids.filter((id) => f.contains(REVOCATION_KINDS.jti, id)).length;
  assert.ok(asSid < 40 && asJti < 40, `users hit as sid ${asSid}, as jti ${asJti} of ${ids.length}`);
});

test("errors reach JavaScript as Error objects whose message starts with the code, with a code property", () => {
  const good = createRevocationFilterBuilder(new Uint8Array(16).fill(1));
  good.add(REVOCATION_KINDS.jti, "j-1");
  const bytes = good.finish();
  const codeOf = (fn) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof Error);
      assert.ok(e.message.startsWith(`${e.code}: `), e.message);
      return e.code;
    }
    return "no error";
  };
  const corrupt = (at, value) => {
    const b = bytes.slice();
    b[at] = value;
    return b;
  };
  assert.equal(codeOf(() => parseRevocationFilter(bytes.subarray(0, bytes.length - 1))), "truncated");
  assert.equal(codeOf(() => parseRevocationFilter(new TextEncoder().encode("not a filter at all"))), "bad_magic");
  assert.equal(codeOf(() => parseRevocationFilter(corrupt(4, 9))), "unsupported_version");
  assert.equal(codeOf(() => parseRevocationFilter(corrupt(36, 5))), "bad_descriptor");
  assert.equal(codeOf(() => parseRevocationFilter(new Uint8Array([...bytes, 0]))), "length_mismatch");
  assert.equal(codeOf(() => parseRevocationFilter(corrupt(51, 0xff))), "too_large");
  assert.equal(codeOf(() => parseRevocationFilter("HARF")), "bad_argument");
  assert.equal(codeOf(() => createRevocationFilterBuilder(new Uint8Array(15))), "bad_key");
  assert.equal(codeOf(() => good.add(3, "x")), "bad_kind");
  assert.equal(codeOf(() => good.add(REVOCATION_KINDS.sid, undefined)), "bad_subject");
  const f = parseRevocationFilter(bytes);
  assert.equal(codeOf(() => f.contains(-1, "x")), "bad_kind");
  assert.equal(f.matchToken("j-1", undefined, "u"), true);
  assert.equal(f.matchToken(undefined, undefined, "u"), false);
});

// A fresh process per way in: the module is instantiated by whichever is called first.
function fresh(kind, source) {
  const args = kind === "esm" ? ["--input-type=module", "-e", source] : ["-e", source];
  return execFileSync(process.execPath, args, { cwd: decodeURIComponent(root.pathname), encoding: "utf8" }).trim();
}

test("every way in instantiates the module first: new RevocationFilterBuilder, RevocationFilter.parse, ESM and CommonJS", () => {
  const builderFirst = `const b = new RevocationFilterBuilder(new Uint8Array(16)); b.add(1, "s"); console.log(b.finish().length)`;
  const parseFirst = `try { RevocationFilter.parse(new Uint8Array(3)) } catch (e) { console.log(e.code) }`;
  const esm = `import { RevocationFilterBuilder, RevocationFilter } from "hybrid-auth/filter";`;
  const cjs = `const { RevocationFilterBuilder, RevocationFilter } = require("hybrid-auth/filter");`;
  assert.equal(fresh("esm", `${esm} ${builderFirst}`), String(52 + 12 * 2));
  assert.equal(fresh("esm", `${esm} ${parseFirst}`), "truncated");
  assert.equal(fresh("cjs", `${cjs} ${builderFirst}`), String(52 + 12 * 2));
  assert.equal(fresh("cjs", `${cjs} ${parseFirst}`), "truncated");
});

test("a Worker that imports hybrid-auth/filter bundles its own .wasm; one that imports only hybrid-auth does not", async () => {
  const wasmOf = async (source) => {
    const result = await build({
      stdin: { contents: source, resolveDir: decodeURIComponent(root.pathname), loader: "js" },
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "neutral",
      conditions: ["workerd", "worker", "browser"],
      external: ["*.wasm"],
      logLevel: "silent",
    });
    const inputs = Object.values(result.metafile.inputs);
    return inputs.flatMap((i) => i.imports).filter((i) => i.path.endsWith(".wasm")).map((i) => i.path).sort();
  };
  assert.deepEqual(await wasmOf('export * from "hybrid-auth/filter";'), ["../../pkg/filter/hybrid_auth_filter_bg.wasm"]);
  assert.deepEqual(await wasmOf('export * from "hybrid-auth";'), ["../pkg/web/hybrid_auth_bg.wasm"]);
});

test("a reading instance stays small (100,000-entry filter parsed and asked in at most 512 KiB of wasm memory); 1,000,000 entries build on the 64 KiB stack", () => {
  const b = createRevocationFilterBuilder(randomBytes(16));
  const sample = [];
  for (let i = 0; i < 1_000_000; i++) {
    const sid = randomUUID();
    if (i % 1000 === 0) sample.push(sid);
    b.add(REVOCATION_KINDS.sid, sid);
  }
  const million = parseRevocationFilter(b.finish());
  b.free();
  assert.equal(million.entries, 1_000_000);
  assert.ok(sample.every((s) => million.contains(REVOCATION_KINDS.sid, s)));
  million.free();

  const small = createRevocationFilterBuilder(randomBytes(16));
  for (let i = 0; i < ENTRIES; i++) small.add(REVOCATION_KINDS.user, randomUUID());
  const dir = mkdtempSync(join(tmpdir(), "hybrid-auth-filter-"));
  try {
    writeFileSync(join(dir, "f.bin"), small.finish());
    // A fresh process: the module instantiated for reading only, as a Worker isolate would.
    const glue = new URL("pkg/filter/hybrid_auth_filter.js", root).href;
    const wasm = new URL("pkg/filter/hybrid_auth_filter_bg.wasm", root).href;
    const source = `
      import { readFileSync } from "node:fs";
      import { initSync, RevocationFilter } from ${JSON.stringify(glue)};
      const { memory } = initSync({ module: readFileSync(new URL(${JSON.stringify(wasm)})) });
      const f = RevocationFilter.parse(new Uint8Array(readFileSync(${JSON.stringify(join(dir, "f.bin"))})));
      let hits = 0;
      for (let i = 0; i < 100000; i++) hits += f.matchToken(String(i), String(i), String(i)) ? 1 : 0;
      console.log(JSON.stringify({ entries: f.entries, memory: memory.buffer.byteLength }));`;
    const { entries, memory } = JSON.parse(fresh("esm", source));
    assert.equal(entries, ENTRIES);
    console.log(`filter: a reading instance holds ${memory} bytes of wasm memory with ${ENTRIES} entries`);
    assert.ok(memory <= 512 * 1024, `${memory} bytes of wasm memory`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
