// The Argon2id API of `hybrid-auth/argon2` (issue 21) inside workerd: the subpath's `workerd`
// condition imports the password .wasm, instantiated on the first call. createAuth does not
// use it yet, and the core entry (`hybrid-auth`) imports none of it (issue 20).
// Also records hash time per OWASP row here, beside PBKDF2-SHA256 at 100,000 iterations
// through WebCrypto (what the Worker uses today), for bench/notes.md; only sanity-bounded.
import { describe, expect, it } from "vitest";
import { argon2idOwaspCosts, hashPassword, verifyPassword } from "hybrid-auth/argon2";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("hashPassword / verifyPassword in workerd", () => {
  it("hashes at the default cost, verifies, and refuses a wrong password and a 4 GiB row", () => {
    const stored = hashPassword("correct horse battery staple");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(verifyPassword("correct horse battery staple", stored)).toEqual({ ok: true, needsRehash: false });
    expect(verifyPassword("correct horse battery stapler", stored)).toEqual({ ok: false, reason: "mismatch" });
    const tampered = stored.replace("m=19456", "m=4194304");
    expect(verifyPassword("correct horse battery staple", tampered)).toEqual({ ok: false, reason: "params_above_limit" });
    expect(verifyPassword("correct horse battery staple", stored)).toEqual({ ok: true, needsRehash: false });
  });

  it("hashes at every OWASP row (times printed for bench/notes.md)", async () => {
    const salt = new Uint8Array(16);
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("correct horse battery staple"), "PBKDF2", false, ["deriveBits"]);
    const pbkdf2 = async () => {
      await tick();
      const t0 = Date.now();
      await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 100_000 }, key, 256);
      await tick();
      return Date.now() - t0;
    };
    const lines: string[] = [];
    for (const row of argon2idOwaspCosts()) {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        // workerd's clock stands still while JavaScript runs and moves across I/O: a timer
        // before and after the hash brackets it.
        await tick();
        const t0 = Date.now();
        const h = hashPassword("correct horse battery staple", row);
        await tick();
        times.push(Date.now() - t0);
        expect(verifyPassword("correct horse battery staple", h, row)).toEqual({ ok: true, needsRehash: false });
      }
      lines.push(`m=${row.memoryKiB},t=${row.timeCost}: ${median(times)} ms`);
    }
    const p: number[] = [];
    for (let i = 0; i < 5; i++) p.push(await pbkdf2());
    lines.push(`PBKDF2-SHA256 100k (WebCrypto): ${median(p)} ms`);
    console.log(`[argon2 in workerd] ${lines.join("; ")}`);
    expect(lines).toHaveLength(6);
  }, 60_000);
});
