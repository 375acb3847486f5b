// KeyRing's `tokenType` option (issue 19 §3; RFC 8725 §3.11, RFC 9068 §2.1), through the
// JavaScript API: the options parsing in src/wasm/options.rs and the core's typ rule.
// Tokens are signed independently with node:crypto (support.mjs signRaw).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { KeyRing } from "hybrid-auth";
import { SECRET, signRaw } from "./support.mjs";

const T0 = 1_800_000_000;
const base = { keys: [{ kid: "k1", secret: SECRET }], signWith: "k1", now: () => T0 };
const decode = (seg) => JSON.parse(Buffer.from(seg, "base64url"));
const P = { sub: "u", iat: T0 - 10, exp: T0 + 60, jti: "j" };

describe("KeyRing tokenType", () => {
  test('sign writes typ "at+jwt" and verify accepts it', () => {
    const r = new KeyRing({ ...base, tokenType: "at+jwt" });
    const t = r.sign({ sub: "u" }, 60);
    assert.deepEqual(decode(t.split(".")[0]), { alg: "HS256", typ: "at+jwt", kid: "k1" });
    assert.equal(r.verify(t).ok, true);
  });

  test('a token with no typ, "JWT" or another type is bad_typ; the type compares as a media type', () => {
    const r = new KeyRing({ ...base, tokenType: "at+jwt" });
    for (const header of [{ alg: "HS256", kid: "k1" }, { alg: "HS256", typ: "JWT", kid: "k1" }, { alg: "HS256", typ: "dpop+jwt" }]) {
      const res = r.verify(signRaw(header, P, SECRET));
      assert.deepEqual(res, { ok: false, reason: "bad_typ" }, JSON.stringify(header));
    }
    for (const typ of ["AT+JWT", "application/at+jwt"]) assert.equal(r.verify(signRaw({ alg: "HS256", typ }, P, SECRET)).ok, true, typ);
    // Without tokenType, the same untyped and "JWT" tokens pass (the option is what refuses them).
    const plain = new KeyRing(base);
    assert.equal(plain.verify(signRaw({ alg: "HS256", kid: "k1" }, P, SECRET)).ok, true);
    assert.equal(plain.verify(signRaw({ alg: "HS256", typ: "JWT" }, P, SECRET)).ok, true);
  });

  test("typ still adds accepted types next to tokenType", () => {
    const r = new KeyRing({ ...base, tokenType: "at+jwt", typ: ["JOSE"] });
    assert.equal(r.verify(signRaw({ alg: "HS256", typ: "JOSE" }, P, SECRET)).ok, true);
    assert.deepEqual(r.verify(signRaw({ alg: "HS256", typ: "JWT" }, P, SECRET)), { ok: false, reason: "bad_typ" });
  });

  test("tokenType must be a non-empty string, and is listed among the options", () => {
    assert.throws(() => new KeyRing({ ...base, tokenType: 5 }), /tokenType must be a string/);
    assert.throws(() => new KeyRing({ ...base, tokenType: "" }), /typ entries must be non-empty strings/);
    assert.throws(() => new KeyRing({ ...base, tokentype: "at+jwt" }), /expected one of: .*tokenType/);
  });
});
