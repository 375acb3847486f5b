// Argon2id password hashing (issue 21), imported exactly as a user does. The known
// answers come from tests/vectors/argon2id_kat.json (SOURCES.md §6).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { hashPassword, verifyPassword, argon2idOwaspCosts } from "hybrid-auth/argon2";

const KAT = JSON.parse(readFileSync(new URL("../../tests/vectors/argon2id_kat.json", import.meta.url), "utf8"));
const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/;
// A cheap cost for the tests that only need some valid hash.
const CHEAP = { memoryKiB: 64, timeCost: 1, parallelism: 1, allowBelowOwaspFloor: true };

function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail("expected a throw");
}

describe("hashPassword / verifyPassword", () => {
  test("the default is OWASP's m=19456 KiB, t=2, p=1, with a fresh 16-byte salt each time", () => {
    const a = hashPassword("correct horse battery staple");
    const b = hashPassword("correct horse battery staple");
    assert.deepEqual(a.match(PHC).slice(1), ["19456", "2", "1"]);
    assert.notEqual(a, b);
    assert.deepEqual(verifyPassword("correct horse battery staple", a), { ok: true, needsRehash: false });
    assert.deepEqual(verifyPassword("correct horse battery stapler", a), { ok: false, reason: "mismatch" });
    assert.deepEqual(verifyPassword("correct horse battery staple", b), { ok: true, needsRehash: false });
  });

  test("the reference implementation's Argon2id PHC strings verify (64 MiB needs a raised ceiling)", () => {
    const fits = KAT.reference.filter((v) => v.memory_kib <= 65536 && v.memory_kib >= 7168);
    assert.equal(fits.length, 5);
    for (const v of fits) {
      assert.deepEqual(verifyPassword(v.password, v.phc, { maxMemoryKiB: 65536 }), { ok: true, needsRehash: true }, v.name);
      assert.deepEqual(verifyPassword(`${v.password}!`, v.phc, { maxMemoryKiB: 65536 }), { ok: false, reason: "mismatch" }, v.name);
      // With the default ceilings (47104 KiB), the same strings are refused before hashing.
      assert.deepEqual(verifyPassword(v.password, v.phc), { ok: false, reason: "params_above_limit" }, v.name);
    }
    const small = KAT.reference.find((v) => v.name === "2_8_2");
    assert.deepEqual(verifyPassword("password", small.phc, { maxParallelism: 2 }), { ok: false, reason: "params_below_floor" });
    assert.deepEqual(verifyPassword("password", small.phc, { maxParallelism: 2, allowBelowOwaspFloor: true }), { ok: true, needsRehash: true });
    const huge = KAT.reference.find((v) => v.name === "2_18_1");
    assert.deepEqual(verifyPassword("password", huge.phc, { maxMemoryKiB: 65536 }), { ok: false, reason: "params_above_limit" });
  });

  test("every OWASP row hashes at its cost and verifies; another target asks for a rehash", () => {
    const rows = argon2idOwaspCosts();
    assert.deepEqual(
      rows.map((r) => [r.memoryKiB, r.timeCost, r.parallelism]),
      [[47104, 1, 1], [19456, 2, 1], [12288, 3, 1], [9216, 4, 1], [7168, 5, 1]],
    );
    for (const row of rows) {
      const h = hashPassword("pw", row);
      assert.deepEqual(h.match(PHC).slice(1).map(Number), [row.memoryKiB, row.timeCost, row.parallelism]);
      assert.deepEqual(verifyPassword("pw", h, row), { ok: true, needsRehash: false });
      const isDefault = row.memoryKiB === 19456 && row.timeCost === 2;
      assert.deepEqual(verifyPassword("pw", h), { ok: true, needsRehash: !isDefault });
    }
  });

  test("a string password and its UTF-8 bytes are the same password", () => {
    const h = hashPassword("pässwörd ✓", CHEAP);
    assert.deepEqual(verifyPassword(new TextEncoder().encode("pässwörd ✓"), h, CHEAP), { ok: true, needsRehash: false });
    assert.deepEqual(verifyPassword("passwörd ✓", h, CHEAP), { ok: false, reason: "mismatch" });
  });

  test("a cost below OWASP's floor throws unless allowBelowOwaspFloor, and such hashes are refused by default", () => {
    assert.match(thrown(() => hashPassword("pw", { memoryKiB: 8192, timeCost: 3 })).message, /^hybrid-auth: the Argon2id cost is below OWASP's floor/);
    assert.match(thrown(() => hashPassword("pw", { memoryKiB: 19455 })).message, /below OWASP's floor/);
    const weak = hashPassword("pw", { memoryKiB: 8192, timeCost: 3, allowBelowOwaspFloor: true });
    assert.deepEqual(weak.match(PHC).slice(1), ["8192", "3", "1"]);
    assert.deepEqual(verifyPassword("pw", weak), { ok: false, reason: "params_below_floor" });
    assert.deepEqual(verifyPassword("pw", weak, { allowBelowOwaspFloor: true }), { ok: true, needsRehash: true });
  });

  test("a tampered row is refused with a stable reason, and the instance keeps working", () => {
    const good = hashPassword("pw", CHEAP);
    const [, , , , salt, hash] = good.split("$");
    const cases = [
      [`$argon2id$v=19$m=4194304,t=1,p=1$${salt}$${hash}`, "params_above_limit"], // 4 GiB
      [`$argon2id$v=19$m=4294967295,t=4294967295,p=1$${salt}$${hash}`, "params_above_limit"],
      [`$argon2id$v=19$m=64,t=6,p=1$${salt}$${hash}`, "params_above_limit"],
      [`$argon2id$v=19$m=64,t=1,p=2$${salt}$${hash}`, "params_above_limit"],
      [`$argon2id$v=19$m=99999999999,t=1,p=1$${salt}$${hash}`, "malformed_hash"],
      [`$argon2id$v=19$t=1,m=64,p=1$${salt}$${hash}`, "malformed_hash"],
      [`$argon2i$v=19$m=64,t=1,p=1$${salt}$${hash}`, "unsupported_algorithm"],
      [`$argon2id$v=16$m=64,t=1,p=1$${salt}$${hash}`, "unsupported_algorithm"],
      [`$argon2id$m=64,t=1,p=1$${salt}$${hash}`, "malformed_hash"],
      // 41 base64 characters (one short of 31 bytes, two of 32) decode to nothing.
      [good.slice(0, -2), "malformed_hash"],
      [`${good}\n`, "malformed_hash"],
      ["", "malformed_hash"],
      ["$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "malformed_hash"],
      ["$".repeat(100_000), "malformed_hash"],
      [null, "malformed_hash"],
      [undefined, "malformed_hash"],
      [42, "malformed_hash"],
    ];
    for (const [stored, reason] of cases) {
      assert.deepEqual(verifyPassword("pw", stored, CHEAP), { ok: false, reason }, String(stored).slice(0, 80));
    }
    assert.deepEqual(verifyPassword("pw", good, CHEAP), { ok: true, needsRehash: false });
  });

  test("passwords over 4096 UTF-8 bytes: hashPassword throws, verifyPassword refuses", () => {
    const h = hashPassword("x".repeat(4096), CHEAP);
    assert.deepEqual(verifyPassword("x".repeat(4096), h, CHEAP), { ok: true, needsRehash: false });
    assert.deepEqual(verifyPassword("x".repeat(4097), h, CHEAP), { ok: false, reason: "password_too_long" });
    // 2048 characters of 3 UTF-8 bytes each: within 4096 UTF-16 units, over 4096 bytes.
    assert.deepEqual(verifyPassword("€".repeat(2048), h, CHEAP), { ok: false, reason: "password_too_long" });
    assert.deepEqual(verifyPassword(new Uint8Array(4097), h, CHEAP), { ok: false, reason: "password_too_long" });
    assert.match(thrown(() => hashPassword("x".repeat(4097), CHEAP)).message, /longer than 4096 bytes/);
  });

  test("bad arguments and options throw with the package prefix", () => {
    for (const [fn, re] of [
      [() => hashPassword(123), /password must be a string or a Uint8Array/],
      [() => verifyPassword(undefined, "x"), /password must be a string or a Uint8Array/],
      [() => hashPassword("pw", { memoryKib: 19456 }), /unknown password option "memoryKib"/],
      [() => hashPassword("pw", { maxMemoryKiB: 65536 }), /unknown password option "maxMemoryKiB"/],
      [() => hashPassword("pw", { memoryKiB: 19456.5 }), /memoryKiB must be a non-negative integer/],
      [() => hashPassword("pw", { memoryKiB: 65537 }), /memoryKiB must be an integer from/],
      [() => hashPassword("pw", { timeCost: 0 }), /timeCost must be an integer from 1 to 16/],
      [() => hashPassword("pw", { allowBelowOwaspFloor: "yes" }), /allowBelowOwaspFloor must be a boolean/],
      [() => hashPassword("pw", "fast"), /options must be an object/],
      [() => verifyPassword("pw", "x", { maxMemoryKiB: 1 << 20 }), /memoryKiB must be an integer from/],
      [() => verifyPassword("pw", "x", { memoryKiB: 47104, timeCost: 2 , maxTimeCost: 1 }), /above the verify ceilings/],
    ]) {
      assert.match(thrown(fn).message, /^hybrid-auth: /);
      assert.match(thrown(fn).message, re);
    }
  });

  test("wasm memory grows once, by under 32 MiB, over 40 hashes and 40 verifies at the default cost", async () => {
    // A fresh instance of the password module (the glue under another URL), whose
    // WebAssembly.Memory the test can read; the package instantiates the same files.
    const glueUrl = new URL("../../pkg/argon2/hybrid_auth_argon2.js", import.meta.url);
    const glue = await import(`${glueUrl.href}?memory-test`);
    const exports = glue.initSync({ module: readFileSync(new URL("../../pkg/argon2/hybrid_auth_argon2_bg.wasm", import.meta.url)) });
    const bytes = () => exports.memory.buffer.byteLength;
    const initial = bytes();
    const stored = glue.hashPassword("pw");
    const afterOne = bytes();
    assert.ok(afterOne - initial >= 19456 * 1024, "the first hash grows memory to the cost's size");
    for (let i = 0; i < 40; i++) {
      glue.hashPassword(`pw${i}`);
      assert.equal(glue.verifyPassword("pw", stored).ok, true);
      assert.equal(bytes(), afterOne, `memory grew again at round ${i}`);
    }
    assert.ok(afterOne - initial <= 32 * 1024 * 1024, `grew ${afterOne - initial} bytes`);
  });

  test("CommonJS: require('hybrid-auth/argon2') has the same functions", () => {
    const cjs = createRequire(import.meta.url)("hybrid-auth/argon2");
    const h = cjs.hashPassword("pw", CHEAP);
    assert.deepEqual(verifyPassword("pw", h, CHEAP), { ok: true, needsRehash: false });
    assert.equal(cjs.verifyPassword, verifyPassword);
  });
});
