import { describe, expect, it } from "vitest";
import { ECDSASignature, decodePKIXECDSASignature, p256 } from "@oslojs/crypto/ecdsa";
import { derToP1363 } from "../src/passkeys/ecdsaSignature";

// js/src/passkeys/ecdsaSignature.ts replaces @oslojs/crypto's DER decoder on the
// passkey login path. @oslojs stays here as the reference: on real signatures the two
// must agree byte for byte, and on any input the hand-written one accepts, @oslojs must
// accept it too and give the same r || s (the hand-written one may only be stricter).

const hex = (s: string) => new Uint8Array((s.match(/../g) ?? []).map((b) => parseInt(b, 16)));

/** @oslojs's answer: r || s, or null where it refuses (or cannot fit P-256). */
function reference(der: Uint8Array): Uint8Array | null {
  try {
    return decodePKIXECDSASignature(der).encodeIEEEP1363(p256);
  } catch {
    return null;
  }
}

async function realSignatures(count: number) {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as CryptoKeyPair;
  const out: { raw: Uint8Array; der: Uint8Array; message: Uint8Array; key: CryptoKey }[] = [];
  for (let i = 0; i < count; i++) {
    const message = crypto.getRandomValues(new Uint8Array(40));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, message));
    const bigint = (b: Uint8Array) => BigInt(`0x${[...b].map((x) => x.toString(16).padStart(2, "0")).join("")}`);
    const der = new ECDSASignature(bigint(raw.subarray(0, 32)), bigint(raw.subarray(32))).encodePKIX();
    out.push({ raw, der, message, key: pair.publicKey });
  }
  return out;
}

describe("derToP1363 (ES256 signatures from DER to r || s)", () => {
  it("gives back WebCrypto's own r || s for 300 real signatures, which then verify", async () => {
    const sigs = await realSignatures(300);
    // Short r or s (a leading zero byte dropped by DER, or a 0x00 pad added) must occur in 300.
    expect(sigs.some((s) => s.der.length !== 72)).toBe(true);
    for (const s of sigs) {
      const converted = derToP1363(s.der, 32);
      expect(converted).toEqual(s.raw);
      expect(converted).toEqual(reference(s.der));
      expect(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, s.key, converted!, s.message)).toBe(true);
    }
  });

  it("refuses what DER does not allow and what cannot be a P-256 signature", () => {
    const r = "00f0".padEnd(66, "11"); // 33 bytes: a 0x00 pad before a high bit
    const s = "7f".padEnd(64, "22"); // 32 bytes, high bit clear
    // The well-formed signature every case below breaks in one way.
    expect(derToP1363(hex(`30450221${r}0220${s}`), 32)).toEqual(hex(`${r.slice(2)}${s}`));
    const cases: Record<string, string> = {
      empty: "",
      "not a SEQUENCE": `31450221${r}0220${s}`,
      "long-form SEQUENCE length": `308145 0221${r}0220${s}`.replace(" ", ""),
      "length longer than the input": `30460221${r}0220${s}`,
      "trailing byte after the SEQUENCE": `30450221${r}0220${s}00`,
      "trailing byte inside the SEQUENCE": `30460221${r}0220${s}00`,
      "one INTEGER only": `30230221${r}`,
      "three INTEGERs": `30480221${r}0220${s}020101`,
      "second element not an INTEGER": `30450221${r}0420${s}`,
      "zero-length INTEGER": `30250221${r}0200`,
      "negative r (high bit, no pad)": `30440220${"80".padEnd(64, "11")}0220${s}`,
      "non-minimal r (needless 0x00)": `30460221007f${"11".repeat(31)}0221${"00"}${s}`,
      "r of 33 significant bytes": `30450221${"01".padEnd(66, "11")}0220${s}`,
    };
    for (const [name, der] of Object.entries(cases)) {
      expect({ name, out: derToP1363(hex(der), 32) }).toEqual({ name, out: null });
    }
  });

  it("accepts nothing that @oslojs refuses, and agrees with it, over 20,000 mutated signatures", async () => {
    const sigs = await realSignatures(20);
    let accepted = 0;
    let refused = 0;
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
    for (let i = 0; i < 20_000; i++) {
      const der = Uint8Array.from(sigs[i % sigs.length]!.der);
      const edits = 1 + (next() % 3);
      let mutated: Uint8Array = der;
      for (let k = 0; k < edits; k++) {
        const op = next() % 3;
        const at = next() % mutated.length;
        if (op === 0) mutated[at] = next() & 0xff;
        else if (op === 1) mutated = mutated.subarray(0, at);
        else mutated = Uint8Array.from([...mutated.subarray(0, at), next() & 0xff, ...mutated.subarray(at)]);
        if (mutated.length === 0) break;
      }
      const ours = derToP1363(mutated, 32);
      if (ours === null) {
        refused++;
        continue;
      }
      accepted++;
      expect(reference(mutated)).toEqual(ours);
    }
    // Both outcomes must actually occur, or the comparison proves nothing.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
